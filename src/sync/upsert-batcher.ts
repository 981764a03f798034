import type { OpportunityDraft, UpsertResult } from '../ports/crm.ts';

export interface UpsertBatcherOptions {
  /** Sends one batch; results in input order (CrmConnector.upsertOpportunities). */
  send: (drafts: OpportunityDraft[]) => Promise<UpsertResult[]>;
  /** Largest batch (Salesforce collections: 200). */
  maxBatch: number;
  /**
   * The batch is sent once no new draft arrived for this long (or it is full). Jobs start one
   * after another, so waiting for a quiet gap fills batches far better than a fixed timer.
   */
  windowMs: number;
  /** Upper bound on how long the oldest draft waits (default 10 x windowMs). */
  maxWaitMs?: number;
}

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
  const maxWait = options.maxWaitMs ?? options.windowMs * 10;

  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
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
    options.send(batch.map((p) => p.draft)).then(
      (results) => {
        batch.forEach((p, i) => {
          const r = results[i];
          if (r && r.referralId === p.draft.referralId) p.resolve(r);
          else p.reject(new Error(`CRM returned no result for referral ${p.draft.referralId}`));
        });
      },
      (err: unknown) => batch.forEach((p) => p.reject(err)),
    );
  };

  const schedule = () => {
    if (queue.length >= options.maxBatch) return flush();
    if (timer) clearTimeout(timer);
    const waited = Date.now() - oldestAt;
    timer = setTimeout(flush, Math.max(0, Math.min(options.windowMs, maxWait - waited)));
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
export type UpsertBatcher = ReturnType<typeof createUpsertBatcher>;
