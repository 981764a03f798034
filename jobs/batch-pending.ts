import type { Job, Queue } from 'bullmq';
import type { OpportunityDraft, UpsertResult } from '../src/ports/crm.ts';
import { createUpsertBatcher, quietGapFor } from '../src/sync/upsert-batcher.ts';
import type { CrmBinding } from './crm-binding.ts';

/**
 * The drafts on their way to this process's batchers (issue 19, src/sync/upsert-batcher.ts
 * `coming`). First the sync jobs running here and not waiting on a batcher: one that has not
 * reached a batcher yet brings a draft; one past it (writing the id back to Partner Center)
 * takes the next job from the queue when it finishes, as BullMQ fetches a worker's next job on
 * completion. With none of those, `queued` (the sync queue's jobs that no worker has taken yet)
 * counts jobs on their way to whichever worker takes them: a starved worker takes one job per
 * Redis round trip. The queue's active jobs are not counted: with several workers, each one's
 * held drafts would count as coming for the others, and their part-full batches would all wait
 * out their max wait (the horizontal-scale fault test). Jobs that end without a draft (in sync,
 * parked, busy) stop counting when they end; jobs bound for another CRM, a Lead or another worker
 * count too: an over-count only makes a batch wait longer, never past its max wait.
 */
export function createDraftsOnTheWay(queued?: () => Promise<number>) {
  /** Sync jobs in the processor. */
  let running = 0;
  /** Upserts handed to a batcher and not yet answered. */
  let waiting = 0;
  const here = () => Math.max(0, running - waiting);

  /** A processor whose jobs count while they run. */
  const track =
    <R>(processor: (job: Job, token?: string) => Promise<R>) =>
    async (job: Job, token?: string): Promise<R> => {
      running += 1;
      try {
        return await processor(job, token);
      } finally {
        running -= 1;
      }
    };

  return {
    /** Drafts on their way to the batchers: the jobs running here, else the queue's. */
    count: (): number | Promise<number> => {
      const n = here();
      if (n > 0 || !queued) return n;
      return queued();
    },
    track,
    /** An upsert whose caller does not count while the batcher holds its draft. */
    handingOver(upsert: (draft: OpportunityDraft) => Promise<UpsertResult>) {
      return async (draft: OpportunityDraft): Promise<UpsertResult> => {
        waiting += 1;
        try {
          return await upsert(draft);
        } finally {
          waiting -= 1;
        }
      };
    },
  };
}
export type DraftsOnTheWay = ReturnType<typeof createDraftsOnTheWay>;

/**
 * The upsert batchers of each CRM binding (opportunities, and Leads where the binding has them),
 * waiting for the drafts `onTheWay` counts; `batchWindowMs` is the quiet gap for a 200-draft batch.
 */
export function createSyncBatchers(bindings: CrmBinding[], batchWindowMs: number, onTheWay: DraftsOnTheWay) {
  const batcher = (send: (drafts: OpportunityDraft[]) => Promise<UpsertResult[]>, maxBatch: number) => {
    const b = createUpsertBatcher({
      send,
      maxBatch,
      windowMs: quietGapFor(batchWindowMs, maxBatch),
      coming: onTheWay.count,
    });
    return { upsert: onTheWay.handingOver(b.upsert), flush: b.flush };
  };
  return {
    batchers: bindings.map((b) =>
      batcher((drafts) => b.connector.upsertOpportunities(drafts), b.connector.maxBatchSize),
    ),
    leadBatchers: bindings.map((b) => {
      const lead = b.lead;
      return lead ? batcher((drafts) => lead.crm.upsertLeads(drafts), lead.crm.maxBatchSize) : undefined;
    }),
  };
}

/** The sync queue's jobs that no worker has taken yet (waiting, prioritized), in one round trip. */
export const syncJobsQueued = (syncQueue: Queue) => async (): Promise<number> => {
  const counts = await syncQueue.getJobCounts('wait', 'prioritized');
  return Object.values(counts).reduce((a, b) => a + b, 0);
};

/**
 * SYNC_CONCURRENCY's default: the largest CRM batch plus 200 (two list pages), so one batch can
 * fill while the one before it is written. Salesforce (200): 400, as before; Dataverse (1000):
 * 1200 instead of 2000, which made no fewer calls nor a faster run and cost 12-24 MB more peak
 * RSS at 10 000 referrals (README, Benchmark).
 */
export const defaultSyncConcurrency = (bindings: CrmBinding[]): number =>
  Math.max(...bindings.map((b) => b.connector.maxBatchSize)) + 200;
