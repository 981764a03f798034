import type { Job } from 'bullmq';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { OpportunityDraft, UpsertResult } from '../src/ports/crm.ts';
import type { CrmBinding } from './crm-binding.ts';
import { createDraftsOnTheWay, createSyncBatchers, defaultSyncConcurrency } from './batch-pending.ts';

const job = { data: { referralId: 'r-1' } } as unknown as Job;
const draft = (id: string): OpportunityDraft => ({ referralId: id, fields: { Name: id }, account: null });
const ok = (d: OpportunityDraft): UpsertResult => ({ referralId: d.referralId, ok: true, crmId: 'x', created: true });

/** A promise and its resolver, to hold a job or a batch at one step. */
function gate<T = void>() {
  let open!: (v: T) => void;
  const shut = new Promise<T>((r) => (open = r));
  return { shut, open };
}

describe('drafts on their way (#19)', () => {
  it('counts a running job until it hands its draft to a batcher, and again once the batcher answers', async () => {
    const onTheWay = createDraftsOnTheWay();
    const batch = gate<UpsertResult>();
    const upsert = onTheWay.handingOver(() => batch.shut);
    const beforeUpsert = gate();
    const afterUpsert = gate();
    const run = onTheWay.track(async () => {
      await beforeUpsert.shut;
      await upsert(draft('r-1'));
      await afterUpsert.shut; // the id write-back: when it ends, BullMQ hands this worker its next job
    })(job);
    expect(onTheWay.count()).toBe(1);
    beforeUpsert.open();
    await vi.waitFor(() => expect(onTheWay.count()).toBe(0));
    batch.open(ok(draft('r-1')));
    await vi.waitFor(() => expect(onTheWay.count()).toBe(1));
    afterUpsert.open();
    await run;
    expect(onTheWay.count()).toBe(0);
  });

  it('stops counting a job that ends without a draft, or fails', async () => {
    const onTheWay = createDraftsOnTheWay();
    await onTheWay.track(async () => 'in sync')(job);
    await onTheWay
      .track(() => Promise.reject(new Error('boom')))(job)
      .catch(() => undefined);
    expect(onTheWay.count()).toBe(0);
  });

  it('asks the queue when no job runs here but some wait at a batcher', async () => {
    const queued = vi.fn(async () => 7);
    const onTheWay = createDraftsOnTheWay(queued);
    const held = gate<UpsertResult>();
    const upsert = onTheWay.handingOver(() => held.shut);
    const run = onTheWay.track(() => upsert(draft('a')))(job);
    await expect(onTheWay.count()).resolves.toBe(7);
    held.open(ok(draft('a')));
    await run;
    expect(queued).toHaveBeenCalledTimes(1);
  });

  it('does not ask the queue while jobs run here', async () => {
    const queued = vi.fn(async () => 7);
    const onTheWay = createDraftsOnTheWay(queued);
    const running = gate();
    const run = onTheWay.track(() => running.shut)(job);
    expect(onTheWay.count()).toBe(1);
    running.open();
    await run;
    expect(queued).not.toHaveBeenCalled();
  });
});

describe('batchers waiting for the drafts on their way (#19)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sends one full batch when a starved job reaches the batcher long after the quiet gap', async () => {
    const calls: string[][] = [];
    const connector = {
      maxBatchSize: 2,
      upsertOpportunities: async (drafts: OpportunityDraft[]) => {
        calls.push(drafts.map((d) => d.referralId));
        return drafts.map(ok);
      },
    };
    const onTheWay = createDraftsOnTheWay(async () => 0);
    const { batchers } = createSyncBatchers(
      [{ connector, toDraft: () => draft('-') } as unknown as CrmBinding],
      500,
      onTheWay,
    );
    const upsert = batchers[0]?.upsert ?? (() => Promise.reject(new Error('no batcher')));
    const slow = gate();
    const a = onTheWay.track(() => upsert(draft('a')))(job);
    const b = onTheWay.track(async () => {
      await slow.shut; // starved: its draft comes after many quiet gaps
      return upsert(draft('b'));
    })(job);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(calls).toEqual([]);
    slow.open();
    await Promise.all([a, b]);
    expect(calls).toEqual([['a', 'b']]);
  });
});

describe('SYNC_CONCURRENCY default (README: largest CRM batch + 200)', () => {
  const binding = (maxBatchSize: number) => ({ connector: { maxBatchSize } }) as unknown as CrmBinding;
  it('is 400 for Salesforce, 1200 for Dynamics, and follows the larger batch with both', () => {
    expect(defaultSyncConcurrency([binding(200)])).toBe(400);
    expect(defaultSyncConcurrency([binding(1000)])).toBe(1200);
    expect(defaultSyncConcurrency([binding(200), binding(1000)])).toBe(1200);
  });
});
