import type { Logger } from 'pino';
import { isTerminal, type Referral } from '../domain/referral.ts';
import type { PartnerCenterClient, ReferralListPage } from '../ports/partner-center.ts';
import type { Clock } from '../ports/clock.ts';
import type { Checkpoint, ParkingLot, ReferralStore, ReferralSyncState, SyncStateStore } from '../ports/state.ts';
import { namesOf } from '../domain/fault.ts';
import { contentHash } from './draft-hash.ts';
import { keysetPages } from './keyset-pages.ts';

export interface SyncJobRef {
  referralId: string;
  eTag: string;
  /**
   * This version's job ran before but the write-back is missing: queue it again even though a
   * finished job with its id exists (a plain add would be dropped as a duplicate).
   */
  repair?: true;
  /** From the full pull after Redis lost its data: look for an existing opportunity first. */
  adopt?: true;
  /** The state epoch the pull ran under (PullDeps.epoch). */
  epoch?: string;
}

export interface PullDeps {
  partnerCenter: PartnerCenterClient;
  referrals: ReferralStore;
  state: SyncStateStore;
  parking: Pick<ParkingLot, 'park' | 'has'>;
  checkpoint: Checkpoint;
  /**
   * Queues sync jobs; resolves once they are durably in Redis. Duplicates are ignored, except
   * `repair` jobs, which replace a finished job of the same version.
   */
  enqueue: (jobs: SyncJobRef[]) => Promise<void>;
  clock: Clock;
  log: Logger;
  /** Re-read this much before the checkpoint: equal or late-committed timestamps lose nothing. */
  overlapMs: number;
  /** Where the very first pull starts. */
  initialSince: Date;
  pageSize: number;
  /**
   * This pull rebuilds after a Redis data loss: it lists everything (a checkpoint written by a pull
   * that was running across the loss does not count) and its jobs carry `adopt`.
   */
  adopt?: boolean | undefined;
  /**
   * False once the Redis state this pull started on is gone (the epoch marker changed): the pull
   * stops before queuing or moving the checkpoint, so it cannot write a checkpoint for referrals
   * the rebuild has not seen. Absent: always true.
   */
  sameState?: (() => Promise<boolean>) | undefined;
  /** The state epoch this pull runs under; its jobs carry it (SyncOptions.epoch). */
  epoch?: string | undefined;
}

export interface PullResult {
  fetched: number;
  queued: number;
  inSync: number;
  invalid: number;
  /** Referrals synced earlier whose write-back was missing, queued again (part of `queued`). */
  repaired: number;
  queuedIds: SyncJobRef[];
}

/**
 * Lists referrals changed since the checkpoint (minus the overlap), stores the latest copy of
 * each, queues a sync job for each version not yet synced, and moves the checkpoint after each
 * page is queued, never past a referral not yet queued, however the service pages. A referral
 * that fails validation is parked with the reason; the rest flow.
 */
export async function pullReferrals(deps: PullDeps): Promise<PullResult> {
  const mark = deps.adopt ? null : await deps.checkpoint.get();
  const since = new Date((mark ?? deps.initialSince).getTime() - (mark ? deps.overlapMs : 0));
  const result: PullResult = { fetched: 0, queued: 0, inSync: 0, invalid: 0, repaired: 0, queuedIds: [] };
  deps.log.info({ since: since.toISOString() }, 'pull started');

  // Pages come in updatedDateTime order. A referral edited while we list (often by our own
  // write-back PATCH) moves to the end; once a page reaches changes made after this pull began,
  // we stop: the next pull starts from the checkpoint and picks them up. Without this, every
  // written-back referral was listed twice in a first sync. Clock skew can only stop us early.
  // Each page is a fresh keyset query, never a nextLink that an edit could shift (issue 12).
  const startedAt = deps.clock.now().getTime();
  const seen = new Set<string>();
  const pages = keysetPages(deps.partnerCenter, { since, pageSize: deps.pageSize, startedAt });
  let next = pages.next();
  try {
    for (;;) {
      const got = await next;
      if (got.done) break;
      const { page, through, last } = got.value;
      // The next page is asked for while this one is stored and queued: the pull sets the pace of
      // a large sync (issue 8). Not past the last page: those changes are the next pull's.
      if (!last) {
        next = pages.next();
        // Awaited on the next turn; until then a failure must not count as unhandled.
        next.catch(() => undefined);
      }
      if (deps.sameState && !(await deps.sameState())) {
        deps.log.warn(
          'Redis lost its data during this pull; stopped (the full pull after the loss lists everything again)',
        );
        break;
      }
      await takePage(deps, page, result, seen);
      // Only to a point before which every referral is now queued (keyset-pages.ts).
      if (through) await deps.checkpoint.advance(through);
      if (last) break;
    }
  } finally {
    // Stops the listing (a page being fetched ahead finishes first; not waited for here).
    pages.return(undefined).catch(() => undefined);
  }
  deps.log.info(
    {
      fetched: result.fetched,
      queued: result.queued,
      inSync: result.inSync,
      invalid: result.invalid,
      repaired: result.repaired,
    },
    'pull finished',
  );
  return result;
}

/** Parks the page's invalid items, stores its referrals and queues those not yet synced. */
async function takePage(deps: PullDeps, page: ReferralListPage, result: PullResult, seen: Set<string>): Promise<void> {
  for (const r of page.referrals) seen.add(r.id);
  result.fetched = seen.size + result.invalid + page.invalid.length;
  const at = deps.clock.now().toISOString();
  for (const bad of page.invalid) {
    result.invalid += 1;
    // Without an id, the content names the item: listed again (the overlap re-reads recent
    // pages), the same broken item updates its one parked entry instead of adding another.
    const referralId = bad.id ?? `unidentified-${contentHash(bad.raw)}`;
    const fault = bad.fault ? { field: bad.fault.field, value: bad.fault.value } : {};
    await deps.parking.park({ referralId, reason: bad.error, stage: 'validate', at, ...fault, ...namesOf(bad.raw) });
    deps.log.error({ referralId, reason: bad.error }, 'referral failed validation; parked');
  }
  await deps.referrals.putMany(page.referrals);
  const states = await Promise.all(page.referrals.map((r) => deps.state.get(r.id)));
  const jobs: SyncJobRef[] = [];
  for (const [i, r] of page.referrals.entries()) {
    const need = needsSync(states[i], r);
    if (need === 'version') {
      jobs.push({
        referralId: r.id,
        eTag: r.eTag,
        ...(deps.adopt ? { adopt: true as const } : {}),
        ...(deps.epoch ? { epoch: deps.epoch } : {}),
      });
    }
    // A parked referral waits for a human (replay); retrying it on every pull would only re-park it.
    else if (need === 'write-back' && !(await deps.parking.has(r.id)))
      jobs.push({ referralId: r.id, eTag: r.eTag, repair: true });
  }
  result.inSync += page.referrals.length - jobs.length;
  const repairs = jobs.filter((j) => j.repair).length;
  if (repairs > 0) deps.log.warn({ repairs }, 'synced referrals without their write-back queued again');
  result.repaired += repairs;
  await deps.enqueue(jobs);
  result.queued += jobs.length;
  result.queuedIds.push(...jobs);
}

/**
 * What a listed referral still needs. 'version': this version never reached the CRM. 'write-back':
 * it did, but its CRM id is not in Partner Center yet (the job died or gave up between the two; a
 * pull used to read that state as done, and the referral waited until Partner Center changed it,
 * issue 12). 'none': nothing left to do.
 */
export type SyncNeed = 'none' | 'version' | 'write-back';

export function needsSync(state: ReferralSyncState | null | undefined, referral: Referral): SyncNeed {
  if (!state || state.eTag !== referral.eTag) return 'version';
  // Terminal referrals take no edits; an id already there (another worker, or Partner Center's own
  // copy) needs nothing more.
  if (state.writtenBack || isTerminal(referral) || referral.externalReferenceId === state.crmId) return 'none';
  return 'write-back';
}
