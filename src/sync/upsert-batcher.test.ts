import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
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

/** Fake timers: the clock moves only when a test moves it, so no outcome depends on the machine's speed. */
describe('upsert batcher timing', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  const tick = (ms: number) => vi.advanceTimersByTimeAsync(ms);
  const sizes = (calls: string[][]) => calls.map((c) => c.length);

  it('keeps filling a batch while drafts keep arriving, and sends it after a quiet gap', async () => {
    const { calls, send } = recordingSend();
    const b = createUpsertBatcher({ send, maxBatch: 200, windowMs: 20, maxWaitMs: 10_000 });
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < 30; i++) {
      pending.push(b.upsert(draft(`r${i}`)));
      await tick(5); // arrivals 5 ms apart, inside the 20 ms gap
    }
    expect(calls).toEqual([]);
    await tick(20);
    expect(sizes(calls)).toEqual([30]);
    await Promise.all(pending);
  });

  it('does not hold the oldest draft longer than maxWaitMs under a steady trickle', async () => {
    const { calls, send } = recordingSend();
    const b = createUpsertBatcher({ send, maxBatch: 200, windowMs: 20, maxWaitMs: 40 });
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < 8; i++) {
      pending.push(b.upsert(draft(`r${i}`)));
      await tick(5);
    }
    // Drafts at 0, 5, ..., 35 ms: the first waited 40 ms at the eighth arrival's tick.
    expect(sizes(calls)).toEqual([8]);
    await Promise.all(pending);
  });

  it('keeps a part-full batch through quiet gaps until the call in flight returns, then fills it (#8)', async () => {
    const { calls, send, answer } = heldSend();
    const b = createUpsertBatcher({ send, maxBatch: 10, windowMs: 20, maxWaitMs: 10_000 });
    const pending = Array.from({ length: 10 }, (_, i) => b.upsert(draft(`a${i}`)));
    expect(sizes(calls)).toEqual([10]);
    pending.push(...Array.from({ length: 3 }, (_, i) => b.upsert(draft(`b${i}`))));
    await tick(60); // three quiet gaps: the 3 wait, the first call has not returned
    expect(sizes(calls)).toEqual([10]);
    pending.push(...Array.from({ length: 4 }, (_, i) => b.upsert(draft(`c${i}`))));
    answer();
    await tick(20);
    expect(sizes(calls)).toEqual([10, 7]);
    answer();
    await Promise.all(pending);
  });

  it('still sends the oldest draft after maxWaitMs when the call in flight takes longer', async () => {
    const { calls, send, answer } = heldSend();
    const b = createUpsertBatcher({ send, maxBatch: 10, windowMs: 10, maxWaitMs: 50 });
    const pending = Array.from({ length: 11 }, (_, i) => b.upsert(draft(`a${i}`)));
    await tick(49);
    expect(sizes(calls)).toEqual([10]);
    await tick(1);
    expect(sizes(calls)).toEqual([10, 1]);
    answer();
    await Promise.all(pending);
  });
});

describe('upsert batcher with drafts on their way (#19)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  const tick = (ms: number) => vi.advanceTimersByTimeAsync(ms);
  const sizes = (calls: string[][]) => calls.map((c) => c.length);

  it('does not send a part-full batch at the end of a quiet gap while drafts are coming, and fills it (#19)', async () => {
    const { calls, send } = recordingSend();
    let coming = 0;
    const b = createUpsertBatcher({ send, maxBatch: 10, windowMs: 20, maxWaitMs: 1_000, coming: () => coming });
    coming = 10; // ten jobs running, none has handed its draft over yet
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < 4; i++) {
      pending.push(b.upsert(draft(`a${i}`)));
      coming -= 1;
    }
    await tick(100); // five quiet gaps: a starved worker's next drafts are late
    expect(calls).toEqual([]);
    for (let i = 4; i < 10; i++) {
      pending.push(b.upsert(draft(`a${i}`)));
      coming -= 1;
    }
    expect(sizes(calls)).toEqual([10]);
    await Promise.all(pending);
  });

  it('sends a lone draft after one quiet gap when nothing is coming', async () => {
    const { calls, send } = recordingSend();
    const b = createUpsertBatcher({ send, maxBatch: 200, windowMs: 20, maxWaitMs: 1_000, coming: () => 0 });
    const one = b.upsert(draft('lone'));
    await tick(19);
    expect(calls).toEqual([]);
    await tick(1);
    expect(calls).toEqual([['lone']]);
    await one;
  });

  it('sends the part-full batch one gap after the last job on its way ends without a draft', async () => {
    const { calls, send } = recordingSend();
    let coming = 3;
    const b = createUpsertBatcher({ send, maxBatch: 10, windowMs: 20, maxWaitMs: 1_000, coming: () => coming });
    const one = b.upsert(draft('a'));
    await tick(50);
    expect(calls).toEqual([]);
    coming = 0; // the others were in sync: no draft
    await tick(20);
    expect(calls).toEqual([['a']]);
    await one;
  });

  it('never holds the oldest draft past maxWaitMs, however many drafts are announced', async () => {
    const { calls, send } = recordingSend();
    const b = createUpsertBatcher({ send, maxBatch: 10, windowMs: 20, maxWaitMs: 100, coming: () => 5 });
    const one = b.upsert(draft('a'));
    await tick(99);
    expect(calls).toEqual([]);
    await tick(1);
    expect(calls).toEqual([['a']]);
    await one;
  });

  it('waits for an asynchronous answer, and sends when it says nothing is coming', async () => {
    const { calls, send } = recordingSend();
    const answers: ((n: number) => void)[] = [];
    const coming = () => new Promise<number>((resolve) => answers.push(resolve));
    const b = createUpsertBatcher({ send, maxBatch: 10, windowMs: 20, maxWaitMs: 1_000, coming });
    const pending = [b.upsert(draft('a'))];
    await tick(20);
    expect(answers).toHaveLength(1);
    answers[0]?.(4); // four queued: another gap
    await tick(20);
    expect(calls).toEqual([]);
    expect(answers).toHaveLength(2);
    pending.push(b.upsert(draft('b'))); // arrives while the second question is open: it is moot
    answers[1]?.(0);
    await tick(19);
    expect(calls).toEqual([]);
    await tick(1);
    expect(answers).toHaveLength(3);
    answers[2]?.(0);
    await tick(0);
    expect(calls).toEqual([['a', 'b']]);
    await Promise.all(pending);
  });

  it('sends when the answer fails, and at maxWaitMs when it never comes', async () => {
    const failing = recordingSend();
    const b1 = createUpsertBatcher({
      send: failing.send,
      maxBatch: 10,
      windowMs: 20,
      maxWaitMs: 1_000,
      coming: () => Promise.reject(new Error('redis down')),
    });
    const one = b1.upsert(draft('a'));
    await tick(20);
    expect(failing.calls).toEqual([['a']]);
    await one;

    const silent = recordingSend();
    const b2 = createUpsertBatcher({
      send: silent.send,
      maxBatch: 10,
      windowMs: 20,
      maxWaitMs: 100,
      coming: () => new Promise<number>(() => {}),
    });
    const two = b2.upsert(draft('b'));
    await tick(99);
    expect(silent.calls).toEqual([]);
    await tick(1);
    expect(silent.calls).toEqual([['b']]);
    await two;
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
