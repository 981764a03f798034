import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeReferral } from '../../test/fakes/partner-center/fixtures.ts';
import { testRedis, type TestRedis } from '../../test/redis/expiry-test-redis.ts';
import { createRedisOutboundStore } from './outbound-store.ts';
import { createRedisReferralStore } from './referral-store.ts';
import { loadReferralFacts } from './response-facts.ts';

/* What the response-time report reads per referral (issue 18): answer time, owner, period. */
let r: TestRedis;
beforeEach(() => {
  r = testRedis();
});
afterEach(() => r.cleanup());

const member = (email: string) => ({ id: 'm', firstName: 'S', lastName: 'P', email, phoneNumber: null });
const range = {
  from: Date.parse('2026-03-01T00:00:00Z'),
  to: Date.parse('2026-04-01T00:00:00Z'),
  isContactMe: () => false,
};
const entry = (referralId: string, action: string, at: string) => ({
  at,
  referralId,
  side: 'crm' as const,
  action,
  from: 'New/Pending',
  to: 'Active/Accepted',
  result: 'pushed' as const,
});

describe('loadReferralFacts', () => {
  it('keeps the first pushed answer after later edits have trimmed it from the audit trail', async () => {
    const ref = makeReferral({ id: 'ans-1', createdDateTime: '2026-03-02T00:00:00Z' });
    await createRedisReferralStore(r.redis, r.prefix).putMany([ref]);
    const out = createRedisOutboundStore(r.redis, r.prefix);
    await out.audit(entry('ans-1', 'accept', '2026-03-02T05:00:00.000Z'));
    for (let i = 0; i < 210; i++) await out.audit(entry('ans-1', 'edit (name)', '2026-03-03T00:00:00.000Z'));
    expect((await out.history('ans-1')).some((e) => e.action === 'accept')).toBe(false);
    const [facts] = await loadReferralFacts(r.redis, r.prefix, range);
    expect(facts?.pushedAnswer).toEqual({ at: '2026-03-02T05:00:00.000Z', decision: 'accept' });
  });

  it('takes the owner from the CRM opportunity team before Partner Center’s team, in lower case', async () => {
    const refs = [
      makeReferral({ id: 'crm-team', createdDateTime: '2026-03-02T00:00:00Z', team: [member('pc@partner.example')] }),
      makeReferral({ id: 'pc-team', createdDateTime: '2026-03-02T00:00:00Z', team: [member('Pat@Partner.example')] }),
      makeReferral({ id: 'nobody', createdDateTime: '2026-03-02T00:00:00Z', team: [] }),
    ];
    await createRedisReferralStore(r.redis, r.prefix).putMany(refs);
    await createRedisOutboundStore(r.redis, r.prefix).putSnapshots([
      {
        crmId: '006A',
        referralId: 'crm-team',
        modstamp: '2026-03-03T00:00:00Z',
        decision: null,
        declineReason: null,
        lostReason: null,
        stage: null,
        isClosed: false,
        isWon: false,
        name: 'x',
        dealValue: null,
        currency: null,
        closeDate: null,
        notes: null,
        campaignId: null,
        teamContacts: [{ firstName: 'C', lastName: 'R', email: 'crm@partner.example' }],
      },
    ]);
    const facts = await loadReferralFacts(r.redis, r.prefix, range);
    const owner = (id: string) => facts.find((f) => f.referral.id === id)?.owner;
    expect([owner('crm-team'), owner('pc-team'), owner('nobody')]).toEqual([
      'crm@partner.example',
      'pat@partner.example',
      null,
    ]);
  });

  it('reads only referrals created in the range', async () => {
    await createRedisReferralStore(r.redis, r.prefix).putMany([
      makeReferral({ id: 'in', createdDateTime: '2026-03-31T23:59:59Z' }),
      makeReferral({ id: 'out', createdDateTime: '2026-04-01T00:00:00Z' }),
    ]);
    expect((await loadReferralFacts(r.redis, r.prefix, range)).map((f) => f.referral.id)).toEqual(['in']);
  });
});
