import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { RetryableError } from '../errors.ts';
import type { Referral } from '../domain/referral.ts';
import type { ShareAttempt, ShareStore } from '../ports/share-store.ts';
import { ShareRules } from '../share/share-rules.ts';
import type { ShareRequest } from '../share/share-request.ts';
import { shareOpportunity, type ShareDeps } from './share-opportunity.ts';

const CRM_ID = '006000000000001AAA';
const request: ShareRequest = {
  crmId: CRM_ID,
  modstamp: '2026-01-01T00:00:00Z',
  referralId: null,
  flag: true,
  name: 'Deal',
  dealValue: 1000,
  currency: 'EUR',
  closeDate: '2026-09-30',
  notes: null,
  helpType: 'General or other',
  solutions: 'SOL-1',
  visibility: null,
  customer: { name: 'Fabrikam', country: 'DE' },
  contact: { firstName: 'J', lastName: 'K', email: 'j@k.example', phone: null },
};
const referral = (id: string): Referral => ({ id, eTag: '"e"', status: 'Active', externalReferenceId: CRM_ID });

/** Plain-object fakes: a Partner Center whose create may fail after creating (the answer lost). */
function world(o: { loseFirstAnswer?: boolean; attempt?: ShareAttempt } = {}) {
  const created: Referral[] = [];
  const links: string[] = [];
  const attempts = new Map<string, ShareAttempt>(o.attempt ? [[CRM_ID, o.attempt]] : []);
  let lose = o.loseFirstAnswer === true;
  const store: ShareStore = {
    attempt: async (_c, id) => attempts.get(id) ?? null,
    putAttempt: async (_c, id, a) => void attempts.set(id, a),
    clearAttempt: async (_c, id) => void attempts.delete(id),
    refused: async () => null,
    putRefused: async () => undefined,
    awaitingAnswer: async () => [],
    setAwaiting: async () => undefined,
  };
  const deps: ShareDeps = {
    kind: 'salesforce',
    crm: {
      getShareRequest: async () => ({ ...request, referralId: links.at(-1) ?? null }),
      listShareRequests: async () => ({ requests: [], invalid: [] }),
      linkReferral: async (_id, l) => void links.push(l.referralId),
      writeStatus: async () => undefined,
    },
    partnerCenter: {
      createReferral: async () => {
        const r = referral(`R-${created.length + 1}`);
        created.push(r);
        if (lose) {
          lose = false;
          throw new RetryableError('partner-center ECONNRESET (network)');
        }
        return r;
      },
      findByExternalReference: async (ext) => created.filter((r) => r.externalReferenceId === ext),
      relatedReferrals: async () => [],
    },
    store,
    referrals: { putMany: async () => undefined },
    state: { get: async () => null, put: async () => undefined },
    parking: { park: async () => undefined, release: async () => undefined },
    rules: ShareRules.parse({}),
    linkOf: (id) => `https://example.test/${id}`,
    clock: { now: () => new Date('2026-01-02T00:00:00Z') },
    log: pino({ level: 'silent' }),
  };
  return { deps, created, links, attempts };
}

describe('shareOpportunity', () => {
  it('records the attempt before sending', async () => {
    const w = world({ loseFirstAnswer: true });
    await expect(shareOpportunity(w.deps, CRM_ID)).rejects.toThrow(RetryableError);
    expect(w.attempts.get(CRM_ID)).toMatchObject({ attempts: 1, firstAttemptAt: '2026-01-02T00:00:00.000Z' });
  });

  it('a retry after a lost answer finds the referral instead of creating a second', async () => {
    const w = world({ loseFirstAnswer: true });
    await expect(shareOpportunity(w.deps, CRM_ID)).rejects.toThrow(RetryableError);
    expect(await shareOpportunity(w.deps, CRM_ID)).toBe('linked');
    expect(w.created.map((r) => r.id)).toEqual(['R-1']);
    expect(w.links).toEqual(['R-1']);
  });

  it('a retry whose lookup finds nothing sends again (the first create never arrived)', async () => {
    const w = world({ attempt: { firstAttemptAt: '2026-01-01T23:00:00Z', attempts: 1 } });
    expect(await shareOpportunity(w.deps, CRM_ID)).toBe('created');
    expect(w.attempts.get(CRM_ID)).toMatchObject({ attempts: 2, firstAttemptAt: '2026-01-01T23:00:00Z' });
  });

  it('an opportunity already holding its referral is left alone', async () => {
    const w = world();
    await shareOpportunity(w.deps, CRM_ID);
    expect(await shareOpportunity(w.deps, CRM_ID)).toBe('already-linked');
    expect(w.created).toHaveLength(1);
  });
});
