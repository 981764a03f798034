import { describe, expect, it } from 'vitest';
import type { Referral } from '../domain/referral.ts';
import type { ReferralStore } from '../ports/state.ts';
import { atRiskList } from './at-risk.ts';
import { toLevels } from './levels.ts';

const ref = (id: string, expirationDateTime: string | null, extra: Partial<Referral> = {}): Referral => ({
  id,
  eTag: '"e"',
  status: 'New',
  createdDateTime: '2025-03-03T09:14:00Z',
  expirationDateTime,
  name: `Deal ${id}`,
  customerProfile: { name: `Customer ${id}`, team: [{ email: `${id}@customer.example` }] },
  ...extra,
});

const store = (referrals: Referral[]): ReferralStore => ({
  async putMany() {},
  async get(id) {
    return referrals.find((r) => r.id === id) ?? null;
  },
  async idsWithStatus(status) {
    return referrals.filter((r) => r.status === status).map((r) => r.id);
  },
});

const deps = (referrals: Referral[]) => ({
  referrals: store(referrals),
  levels: toLevels(),
  timeZone: 'UTC',
  isContactMe: (r: Referral) => r.callToAction === 'ContactMe',
});

const now = new Date('2025-03-15T00:00:00Z');

describe('atRiskList', () => {
  it('lists waiting referrals soonest first, with time left and the level reached', async () => {
    const list = await atRiskList(
      deps([
        ref('far', '2025-03-25T00:00:00Z'),
        ref('overdue', '2025-03-14T22:00:00Z'),
        ref('soon', '2025-03-15T03:00:00Z', { callToAction: 'ContactMe', createdDateTime: '2025-03-14T00:00:00Z' }),
        ref('mid', null), // created + 14 d = 2025-03-17T09:14Z
        ref('answered', '2025-03-15T01:00:00Z', { status: 'Active' }),
      ]),
      now,
    );
    expect(list.map((e) => [e.referralId, e.timeLeftText, e.level])).toEqual([
      ['overdue', 'overdue', '4h'],
      ['soon', '3 h', '4h'],
      ['mid', '2 d 9 h', '72h'],
      ['far', '10 d', null],
    ]);
    expect(list[1]).toMatchObject({
      dealName: 'Deal soon',
      customerName: 'Customer soon',
      deadlineText: '15 Mar 2025, 03:00 UTC',
      contactMe: true,
      contactBy: new Date('2025-03-17T00:00:00Z'),
    });
    expect(JSON.stringify(list)).not.toContain('@');
  });

  it('filters to a horizon', async () => {
    const list = await atRiskList(
      deps([ref('far', '2025-03-25T00:00:00Z'), ref('soon', '2025-03-16T00:00:00Z')]),
      now,
      { withinHours: 72 },
    );
    expect(list.map((e) => e.referralId)).toEqual(['soon']);
  });
});
