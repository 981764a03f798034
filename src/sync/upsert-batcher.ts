import type { OpportunityDraft, UpsertResult } from '../ports/crm.ts';

export interface UpsertBatcherOptions {
  /** Sends one batch; results in input order (CrmConnector.upsertOpportunities). */
  send: (drafts: OpportunityDraft[]) => Promise<UpsertResult[]>;
  /** Largest batch (Salesforce collections: 200). */
  maxBatch: number;
  /**
   * The batch is sent once no new draft arrived for this long (or it is full). Jobs start one
   * after another, so waiting for a quiet gap fills batches far better than a fixed timer.
   * While an earlier batch is still being sent, a quiet gap does not send a batch that is not
   * full: the jobs waiting on that call hold worker slots, and their successors bring the next
   * drafts once it returns (issue #8: Dataverse `$batch` calls went out a third to half full).
   */
  windowMs: number;
  /** Upper bound on how long the oldest draft waits (default 10 x windowMs). */
  maxWaitMs?: number;
  /**
   * How many drafts are on their way: sync jobs that run or wait in the queue and have not
   * handed theirs over yet (jobs/batch-pending.ts). A quiet gap that ends while some are coming
   * starts again instead of sending a part-full batch: a CPU-starved worker brings its drafts in
   * trickles slower than the gap, and each such gap sent a part-full batch (issue 19: up to 1.30x
   * the calls with CPU hogs beside the worker). `maxWaitMs` still bounds the oldest draft's
   * wait, also while an answer is awaited; with nothing coming (or the check failing) a quiet
   * gap sends the batch as before. Absent: nothing is ever counted as coming.
   */
  coming?: () => number | Promise<number>;
}

/** The batch size `BATCH_WINDOW_MS` is meant for: a Salesforce collection. */
const REFERENCE_BATCH = 200;

/**
 * The quiet gap for a CRM whose batches hold `maxBatch` drafts, from the one configured for a
 * 200-draft batch. Drafts arrive a list page (100) at a time, with pauses between pages that
 * grow when the worker is busy; a batch five times larger takes five times longer to fill and
 * meets that many more pauses, so its gap grows in step (issue #8: at 500 ms, Dataverse's
 * 1000-request `$batch` calls left half full). Smaller batches keep the configured gap.
 */
export const quietGapFor = (windowMs: number, maxBatch: number): number =>
  Math.round(windowMs * Math.max(1, maxBatch / REFERENCE_BATCH));

interface Pending {
  draft: OpportunityDraft;
  resolve: (r: UpsertResult) => void;
  reject: (e: unknown) => void;
}

/**
 * Gathers drafts from concurrently running sync jobs into one CRM call (a collections upsert
 * of up to `maxBatch`), so N ready referrals cost ceil(N / maxBatch) calls instead of N. Each
 * caller gets its own record's result; a failure of the whole call rejects every caller in it,
 * and each job then retries on its own. Two drafts for one referral never share a batch
 * (a collection may not name the same external id twice).
 */
export function createUpsertBatcher(options: UpsertBatcherOptions) {
  let queue: Pending[] = [];
  let timer: NodeJS.Timeout | undefined;
  let oldestAt = 0;
  /** Calls sent and not yet answered. */
  let inFlight = 0;
  /** A quiet gap came while a call was in flight: decide again when a call returns. */
  let held = false;
  const maxWait = options.maxWaitMs ?? options.windowMs * 10;

  const settled = () => {
    inFlight -= 1;
    if (held) {
      held = false;
      if (queue.length > 0) schedule();
    }
  };

  /** The "more coming?" question asked at the end of a quiet gap; cleared when the batch moves on. */
  let asking: object | undefined;
  const decide = (coming: number) => (coming > 0 ? schedule() : flush());

  const onQuietGap = () => {
    timer = undefined;
    const waited = Date.now() - oldestAt;
    if (waited >= maxWait) return flush();
    if (inFlight > 0) {
      held = true;
      // maxWait still bounds the oldest draft's wait if the call in flight takes long.
      timer = setTimeout(flush, maxWait - waited);
      return;
    }
    if (!options.coming) return flush();
    let answer: number | Promise<number>;
    try {
      answer = options.coming();
    } catch {
      return flush();
    }
    // More drafts on their way: another quiet gap (schedule() caps it at maxWait).
    if (typeof answer === 'number') return decide(answer);
    const question = {};
    asking = question;
    timer = setTimeout(flush, maxWait - waited);
    answer.then(
      (n) => {
        if (asking === question) decide(n);
      },
      () => {
        if (asking === question) flush();
      },
    );
  };

  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    held = false;
    asking = undefined;
    const batch: Pending[] = [];
    const seen = new Set<string>();
    const rest: Pending[] = [];
    for (const p of queue) {
      if (batch.length < options.maxBatch && !seen.has(p.draft.referralId)) {
        seen.add(p.draft.referralId);
        batch.push(p);
      } else {
        rest.push(p);
      }
    }
    queue = rest;
    oldestAt = Date.now();
    if (queue.length > 0) schedule();
    if (batch.length === 0) return;
    inFlight += 1;
    options.send(batch.map((p) => p.draft)).then(
      (results) => {
        settled();
        batch.forEach((p, i) => {
          const r = results[i];
          if (r && r.referralId === p.draft.referralId) p.resolve(r);
          else p.reject(new Error(`CRM returned no result for referral ${p.draft.referralId}`));
        });
      },
      (err: unknown) => {
        settled();
        batch.forEach((p) => p.reject(err));
      },
    );
  };

  const schedule = () => {
    if (queue.length >= options.maxBatch) return flush();
    if (timer) clearTimeout(timer);
    asking = undefined;
    const waited = Date.now() - oldestAt;
    timer = setTimeout(onQuietGap, Math.max(0, Math.min(options.windowMs, maxWait - waited)));
  };

  return {
    upsert(draft: OpportunityDraft): Promise<UpsertResult> {
      return new Promise<UpsertResult>((resolve, reject) => {
        if (queue.length === 0) oldestAt = Date.now();
        queue.push({ draft, resolve, reject });
        schedule();
      });
    },
    /** Sends whatever is waiting now (used on shutdown). */
    flush,
  };
}
