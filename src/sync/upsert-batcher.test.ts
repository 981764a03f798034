import { describe, expect, it } from 'vitest';
import { RetryableError } from '../errors.ts';
import type { OpportunityDraft, UpsertResult } from '../ports/crm.ts';
import { createUpsertBatcher, quietGapFor } from './upsert-batcher.ts';

const draft = (id: string): OpportunityDraft => ({ referralId: id, fields: { Name: id }, account: null });

function recordingSend(fail?: unknown) {
  const calls: string[][] = [];
  const send = async (drafts: OpportunityDraft[]): Promise<UpsertResult[]> => {
    calls.push(drafts.map((d) => d.referralId));
    if (fail) throw fail;
    return drafts.map((d) => ({ referralId: d.referralId, ok: true, crmId: `opp-${d.referralId}`, created: true }));
  };
  return { calls, send };
}

describe('upsert batcher', () => {
  it('sends 450 concurrent drafts as ceil(450/200) = 3 calls and answers each caller', async () => {
    const { calls, send } = recordingSend();
    const b = createUpsertBatcher({ send, maxBatch: 200, windowMs: 20 });
    const ids = Array.from({ length: 450 }, (_, i) => `r${i}`);
    const results = await Promise.all(ids.map((id) => b.upsert(draft(id))));
    expect(calls.map((c) => c.length)).toEqual([200, 200, 50]);
    expect(results.map((r) => (r.ok ? r.crmId : ''))).toEqual(ids.map((id) => `opp-${id}`));
  });

  it('never puts two drafts of one referral in the same call', async () => {
    const { calls, send } = recordingSend();
    const b = createUpsertBatcher({ send, maxBatch: 200, windowMs: 5 });
    await Promise.all([b.upsert(draft('a')), b.upsert(draft('a')), b.upsert(draft('b'))]);
    expect(calls).toEqual([['a', 'b'], ['a']]);
  });

  it('rejects every caller of a failed call with the error', async () => {
    const boom = new RetryableError('salesforce 503');
    const { send } = recordingSend(boom);
    const b = createUpsertBatcher({ send, maxBatch: 200, windowMs: 1 });
    const outcomes = await Promise.allSettled([b.upsert(draft('a')), b.upsert(draft('b'))]);
    expect(outcomes.map((o) => (o.status === 'rejected' ? o.reason : null))).toEqual([boom, boom]);
  });
});

describe('upsert batcher timing', () => {
  it('keeps filling a batch while drafts keep arriving, and sends it after a quiet gap', async () => {
    const { calls, send } = recordingSend();
    const b = createUpsertBatcher({ send, maxBatch: 200, windowMs: 20, maxWaitMs: 10_000 });
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < 30; i++) {
      pending.push(b.upsert(draft(`r${i}`)));
      await new Promise((r) => setTimeout(r, 5)); // arrivals 5 ms apart, well inside the 20 ms gap
    }
    await Promise.all(pending);
    expect(calls.map((c) => c.length)).toEqual([30]);
  });

  it('does not hold the oldest draft longer than maxWaitMs under a steady trickle', async () => {
    const { calls, send } = recordingSend();
    const b = createUpsertBatcher({ send, maxBatch: 200, windowMs: 20, maxWaitMs: 40 });
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < 20; i++) {
      pending.push(b.upsert(draft(`r${i}`)));
      await new Promise((r) => setTimeout(r, 5));
    }
    await Promise.all(pending);
    expect(calls.length).toBeGreaterThan(1);
  });
});

describe('upsert batcher while a call is in flight', () => {
  /** A send whose calls stay in flight until `answer()` is called. */
  function heldSend() {
    const calls: string[][] = [];
    const waiting: (() => void)[] = [];
    const send = (drafts: OpportunityDraft[]): Promise<UpsertResult[]> => {
      calls.push(drafts.map((d) => d.referralId));
      return new Promise((resolve) => {
        waiting.push(() =>
          resolve(
            drafts.map((d) => ({ referralId: d.referralId, ok: true, crmId: `opp-${d.referralId}`, created: true })),
          ),
        );
      });
    };
    const answer = () => {
      for (const w of waiting.splice(0)) w();
    };
    return { calls, send, answer };
  }
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('keeps a part-full batch through quiet gaps until the call in flight returns, then fills it (#8)', async () => {
    const { calls, send, answer } = heldSend();
    const b = createUpsertBatcher({ send, maxBatch: 10, windowMs: 20, maxWaitMs: 10_000 });
    const pending = Array.from({ length: 10 }, (_, i) => b.upsert(draft(`a${i}`)));
    expect(calls.map((c) => c.length)).toEqual([10]);
    pending.push(...Array.from({ length: 3 }, (_, i) => b.upsert(draft(`b${i}`))));
    await sleep(60); // three quiet gaps: the 3 wait, the first call has not returned
    expect(calls.map((c) => c.length)).toEqual([10]);
    pending.push(...Array.from({ length: 4 }, (_, i) => b.upsert(draft(`c${i}`))));
    answer();
    await sleep(60);
    expect(calls.map((c) => c.length)).toEqual([10, 7]);
    answer();
    await Promise.all(pending);
  });

  it('still sends the oldest draft after maxWaitMs when the call in flight takes longer', async () => {
    const { calls, send, answer } = heldSend();
    const b = createUpsertBatcher({ send, maxBatch: 10, windowMs: 10, maxWaitMs: 50 });
    const pending = Array.from({ length: 11 }, (_, i) => b.upsert(draft(`a${i}`)));
    await sleep(100);
    expect(calls.map((c) => c.length)).toEqual([10, 1]);
    answer();
    await Promise.all(pending);
  });
});

describe('quietGapFor', () => {
  it.each([
    [500, 200, 500], // Salesforce collections: as configured
    [500, 1000, 2500], // Dataverse $batch: five times the drafts to gather (#8)
    [500, 40, 500], // smaller batches never wait less than configured
    [0, 1000, 0],
  ])('window %i ms, batch %i -> %i ms', (windowMs, maxBatch, expected) =>
    expect(quietGapFor(windowMs, maxBatch)).toBe(expected),
  );
});
