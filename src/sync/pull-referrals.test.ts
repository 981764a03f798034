import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { Referral } from '../domain/referral.ts';
import { ValidationError } from '../errors.ts';
import type { ListReferralsQuery, PartnerCenterClient, ReferralListPage } from '../ports/partner-center.ts';
import type { ParkedReferral, ReferralSyncState } from '../ports/state.ts';
import { pullReferrals, type SyncJobRef } from './pull-referrals.ts';

const ref = (id: string, updated: string): Referral => ({
  id,
  eTag: `"${id}-${updated}"`,
  status: 'New',
  updatedDateTime: updated,
});
const at = (s: number): string => new Date(Date.UTC(2026, 0, 1) + s * 1000).toISOString();
const NOW = '2026-02-01T00:00:00Z';

/**
 * In-memory stand-ins for the ports: plain objects, no mocks of our modules. The list is live
 * and paged by offset, as the worst service would page it: `$filter ge` and `updatedDateTime asc`
 * are honoured, each page is cut from the list as it stands when asked for, and `beforePage` may
 * edit the list first.
 */
function deps(referrals: Referral[], now = NOW) {
  const live = new Map(referrals.map((r) => [r.id, r]));
  const queued: SyncJobRef[] = [];
  const parked: ParkedReferral[] = [];
  const queries: ListReferralsQuery[] = [];
  let mark: Date | null = null;
  let pagesServed = 0;
  const hooks: { beforePage?: (served: number, offset: number) => void } = {};
  const ordered = (since: number) =>
    [...live.values()]
      .filter((r) => Date.parse(r.updatedDateTime ?? '') >= since)
      .sort((a, b) => Date.parse(a.updatedDateTime ?? '') - Date.parse(b.updatedDateTime ?? ''));
  const partnerCenter: PartnerCenterClient = {
    async *listReferrals(q) {
      queries.push(q);
      const size = q.pageSize ?? 2;
      for (let offset = 0; ; offset += size) {
        hooks.beforePage?.(pagesServed, offset);
        const all = ordered(q.updatedSince?.getTime() ?? 0);
        const referrals = all.slice(offset, offset + size);
        pagesServed += 1;
        const more = offset + size < all.length;
        yield { referrals, invalid: [], more } satisfies ReferralListPage;
        if (!more) return;
      }
    },
    getReferral: () => Promise.reject(new Error('not used')),
    patchReferral: () => Promise.reject(new Error('not used')),
  };
  const state = new Map<string, ReferralSyncState>();
  return {
    queued,
    parked,
    queries,
    hooks,
    pagesServed: () => pagesServed,
    mark: () => mark,
    /** Edits a referral as the service does: new eTag, updatedDateTime = `when`, so it moves to the end. */
    edit: (id: string, when: string) => void live.set(id, ref(id, when)),
    queuedIds: () => queued.map((j) => j.referralId),
    d: {
      partnerCenter,
      referrals: { putMany: async () => undefined, get: async () => null, idsWithStatus: async () => [] },
      state: {
        get: async (id: string) => state.get(id) ?? null,
        put: async (id: string, s: ReferralSyncState) => void state.set(id, s),
      },
      parking: {
        park: async (p: ParkedReferral) => void parked.push(p),
        release: async () => undefined,
        has: async (id: string) => parked.some((p) => p.referralId === id),
        list: async () => parked,
      },
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
    const t = deps([ref('a', at(0)), ref('b', at(1)), ref('c', at(2))]);
    const r = await pullReferrals(t.d);
    expect(r).toMatchObject({ fetched: 3, queued: 3 });
    expect(t.queuedIds()).toEqual(['a', 'b', 'c']);
    expect(t.mark()?.toISOString()).toBe(at(2));
  });

  it('stops at changes made after the pull began (our own write-backs), leaving them to the next pull', async () => {
    const t = deps([
      ref('a', '2026-01-01T00:00:00Z'),
      ref('b', '2026-01-31T23:59:59Z'),
      ref('c', '2026-02-01T00:00:05Z'),
      ref('d', '2026-02-01T00:00:06Z'),
    ]);
    await pullReferrals(t.d);
    expect(t.queuedIds()).toEqual(['a', 'b', 'c']);
    expect(t.queries.map((q) => q.updatedSince?.toISOString())).toEqual([
      new Date(0).toISOString(),
      '2026-01-31T23:59:59.000Z',
    ]);
    expect(t.mark()?.toISOString()).toBe('2026-02-01T00:00:05.000Z');
  });

  it('asks for the next page while the current one is queued, never past the last page it takes', async () => {
    const t = deps([
      ref('a', at(0)),
      ref('b', at(1)),
      ref('c', at(2)),
      ref('d', '2026-02-01T00:00:05Z'),
      ref('e', '2026-02-01T00:00:06Z'),
    ]);
    const events: string[] = [];
    const list = t.d.partnerCenter.listReferrals.bind(t.d.partnerCenter);
    t.d.partnerCenter = {
      ...t.d.partnerCenter,
      async *listReferrals(q) {
        events.push(`fetch ${t.queries.length + 1}`);
        yield* list(q);
      },
    };
    t.d.enqueue = async (jobs) => {
      await new Promise((r) => setTimeout(r, 5));
      events.push(`queued ${jobs.map((j) => j.referralId).join()}`);
    };
    await pullReferrals(t.d);
    // The third page holds a change made after the pull began: it is taken, and no fourth is asked for.
    expect(events).toEqual(['fetch 1', 'fetch 2', 'queued a,b', 'fetch 3', 'queued c', 'queued d']);
  });

  it('a page that fails while fetched ahead fails the pull after the page before it is queued', async () => {
    const t = deps([ref('a', at(0)), ref('b', at(1)), ref('c', at(2))]);
    const list = t.d.partnerCenter.listReferrals.bind(t.d.partnerCenter);
    t.d.partnerCenter = {
      ...t.d.partnerCenter,
      async *listReferrals(q) {
        if (t.queries.length > 0) throw new Error('429 on page 2');
        yield* list(q);
      },
    };
    await expect(pullReferrals(t.d)).rejects.toThrow('429 on page 2');
    expect(t.queuedIds()).toEqual(['a', 'b']);
    expect(t.mark()?.toISOString()).toBe(at(1));
  });

  it('re-reads the overlap window before the checkpoint on the next pull', async () => {
    const t = deps([ref('a', '2026-01-01T00:10:00Z')]);
    await pullReferrals(t.d);
    const first = t.queries.length;
    await pullReferrals(t.d);
    expect(t.queries[first]?.updatedSince?.toISOString()).toBe('2026-01-01T00:09:00.000Z');
  });

  it('skips no referral when edits between pages shift the list (#12)', async () => {
    const ids = Array.from({ length: 20 }, (_, i) => `r${i}`);
    const t = deps(ids.map((id, i) => ref(id, at(i))));
    // Before each page after the first, the oldest referral still in place is written back
    // (stamped after the pull began): an offset one page on now lands one referral too far.
    t.hooks.beforePage = (n) => {
      if (n > 0) t.edit(ids[n - 1] as string, `2026-02-01T00:00:${String(10 + n).padStart(2, '0')}Z`);
    };
    await pullReferrals(t.d);
    expect(new Set(t.queuedIds())).toEqual(new Set(ids));
  });

  it('takes a crowd sharing one updatedDateTime, larger than a page, each once, and then moves on', async () => {
    const crowd = ['p', 'q', 'r', 's', 't'].map((id) => ref(id, at(5)));
    const t = deps([ref('a', at(0)), ...crowd, ref('z', at(9))]);
    const r = await pullReferrals(t.d);
    expect(t.queuedIds().sort()).toEqual(['a', 'p', 'q', 'r', 's', 't', 'z']);
    expect(r.queued).toBe(7);
    expect(t.mark()?.toISOString()).toBe(at(9));
  });

  it('walks a crowd again when an edit during the walk made the offset paging miss one', async () => {
    const crowd = ['p', 'q', 'r', 's', 't', 'u'].map((id) => ref(id, at(5)));
    const t = deps([...crowd, ref('z', at(9))]);
    let edited = false;
    t.hooks.beforePage = (_served, offset) => {
      // The walk follows nextLink (offset > 0). Microsoft edits a referral it already has: the
      // crowd shifts by one, and this walk misses `r`.
      if (offset > 0 && !edited) {
        edited = true;
        t.edit('p', '2026-02-01T00:00:30Z');
      }
    };
    await pullReferrals(t.d);
    expect(edited).toBe(true);
    expect(new Set(t.queuedIds())).toEqual(new Set(['p', 'q', 'r', 's', 't', 'u', 'z']));
  });

  it('refuses a page out of updatedDateTime order and keeps the checkpoint before it', async () => {
    const t = deps([]);
    t.d.partnerCenter = {
      ...t.d.partnerCenter,
      async *listReferrals() {
        yield { referrals: [ref('a', at(3)), ref('b', at(1))], invalid: [], more: true };
      },
    };
    await expect(pullReferrals(t.d)).rejects.toBeInstanceOf(ValidationError);
    expect(t.mark()).toBeNull();
  });

  it('parks an invalid item once, even when the next page lists it again', async () => {
    const t = deps([ref('a', at(0))]);
    const bad = { id: 'bad', error: 'status: invalid enum value', raw: { id: 'bad', updatedDateTime: at(1) } };
    t.d.partnerCenter = {
      ...t.d.partnerCenter,
      async *listReferrals(q) {
        const since = q.updatedSince?.getTime() ?? 0;
        yield { referrals: since <= Date.parse(at(0)) ? [ref('a', at(0))] : [], invalid: [bad], more: false };
      },
    };
    const r = await pullReferrals(t.d);
    expect(t.parked.map((p) => p.referralId)).toEqual(['bad']);
    expect(r).toMatchObject({ invalid: 1, queued: 1 });
  });
});
