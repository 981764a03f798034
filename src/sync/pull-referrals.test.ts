import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { Referral } from '../domain/referral.ts';
import type { ListReferralsQuery, PartnerCenterClient, ReferralListPage } from '../ports/partner-center.ts';
import type { ParkedReferral, ReferralSyncState } from '../ports/state.ts';
import { pullReferrals, type SyncJobRef } from './pull-referrals.ts';

const ref = (id: string, updated: string): Referral => ({ id, eTag: `"${id}-${updated}"`, status: 'New', updatedDateTime: updated });

/** In-memory stand-ins for the ports: plain objects, no mocks of our modules. */
function deps(pages: Referral[][], now: string) {
  const queued: SyncJobRef[] = [];
  const parked: ParkedReferral[] = [];
  let mark: Date | null = null;
  const queries: ListReferralsQuery[] = [];
  let pagesServed = 0;
  const partnerCenter: PartnerCenterClient = {
    async *listReferrals(q) {
      queries.push(q);
      for (const p of pages) {
        pagesServed += 1;
        yield { referrals: p, invalid: [] } satisfies ReferralListPage;
      }
    },
    getReferral: () => Promise.reject(new Error('not used')),
    patchReferral: () => Promise.reject(new Error('not used')),
  };
  const state = new Map<string, ReferralSyncState>();
  return {
    queued, parked, queries, pagesServed: () => pagesServed, mark: () => mark,
    d: {
      partnerCenter,
      referrals: { putMany: async () => undefined, get: async () => null, idsWithStatus: async () => [] },
      state: { get: async (id: string) => state.get(id) ?? null, put: async (id: string, s: ReferralSyncState) => void state.set(id, s) },
      parking: { park: async (p: ParkedReferral) => void parked.push(p), release: async () => undefined, has: async (id: string) => parked.some((p) => p.referralId === id), list: async () => parked },
      checkpoint: { get: async () => mark, advance: async (to: Date) => void (mark = mark && mark > to ? mark : to) },
      enqueue: async (jobs: SyncJobRef[]) => void queued.push(...jobs),
      clock: { now: () => new Date(now) },
      log: pino({ level: 'silent' }),
      overlapMs: 60_000,
      initialSince: new Date(0),
      pageSize: 2,
    },
  };
}

describe('pullReferrals', () => {
  it('queues every referral and moves the checkpoint to the newest one', async () => {
    const t = deps([[ref('a', '2026-01-01T00:00:00Z'), ref('b', '2026-01-01T00:00:01Z')], [ref('c', '2026-01-01T00:00:02Z')]], '2026-02-01T00:00:00Z');
    const r = await pullReferrals(t.d);
    expect(r).toMatchObject({ fetched: 3, queued: 3 });
    expect(t.queued.map((j) => j.referralId)).toEqual(['a', 'b', 'c']);
    expect(t.mark()?.toISOString()).toBe('2026-01-01T00:00:02.000Z');
  });

  it('stops at changes made after the pull began (our own write-backs), leaving them to the next pull', async () => {
    const now = '2026-02-01T00:00:00Z';
    const t = deps(
      [[ref('a', '2026-01-01T00:00:00Z'), ref('b', '2026-01-31T23:59:59Z')], [ref('c', '2026-02-01T00:00:05Z')], [ref('a', '2026-02-01T00:00:06Z')]],
      now,
    );
    await pullReferrals(t.d);
    expect(t.pagesServed()).toBe(2); // the third page was never asked for
    expect(t.queued.map((j) => j.referralId)).toEqual(['a', 'b', 'c']);
    expect(t.mark()?.toISOString()).toBe('2026-02-01T00:00:05.000Z');
  });

  it('asks for the next page while the current one is queued, never past the last page it takes', async () => {
    const events: string[] = [];
    const t = deps([], '2026-02-01T00:00:00Z');
    const pages = [[ref('a', '2026-01-01T00:00:00Z')], [ref('b', '2026-01-01T00:00:01Z')], [ref('c', '2026-02-01T00:00:05Z')], [ref('d', '2026-02-01T00:00:06Z')]];
    t.d.partnerCenter = {
      ...t.d.partnerCenter,
      async *listReferrals() {
        for (const [i, p] of pages.entries()) {
          events.push(`fetch ${i + 1}`);
          yield { referrals: p, invalid: [] };
        }
      },
    };
    t.d.enqueue = async (jobs) => {
      await new Promise((r) => setTimeout(r, 5));
      events.push(`queued ${jobs.map((j) => j.referralId).join()}`);
    };
    await pullReferrals(t.d);
    // Page 3 holds a change made after the pull began: it is taken, and page 4 is never asked for.
    expect(events).toEqual(['fetch 1', 'fetch 2', 'queued a', 'fetch 3', 'queued b', 'queued c']);
  });

  it('a page that fails while fetched ahead fails the pull after the page before it is queued', async () => {
    const t = deps([], '2026-02-01T00:00:00Z');
    t.d.partnerCenter = {
      ...t.d.partnerCenter,
      async *listReferrals() {
        yield { referrals: [ref('a', '2026-01-01T00:00:00Z')], invalid: [] };
        throw new Error('429 on page 2');
      },
    };
    await expect(pullReferrals(t.d)).rejects.toThrow('429 on page 2');
    expect(t.queued.map((j) => j.referralId)).toEqual(['a']);
    expect(t.mark()?.toISOString()).toBe('2026-01-01T00:00:00.000Z');
  });

  it('re-reads the overlap window before the checkpoint on the next pull', async () => {
    const t = deps([[ref('a', '2026-01-01T00:10:00Z')]], '2026-02-01T00:00:00Z');
    await pullReferrals(t.d);
    await pullReferrals(t.d);
    expect(t.queries[1]?.updatedSince?.toISOString()).toBe('2026-01-01T00:09:00.000Z');
  });
});
