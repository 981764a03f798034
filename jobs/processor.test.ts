import type { Job } from 'bullmq';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { RateLimitedError } from '../src/errors.ts';
import type { ReferralLock } from '../connectors/redis/referral-lock.ts';
import { runLockedJob } from './processor.ts';

const job = { data: { referralId: 'r-1' }, queueName: 'sync', id: 'r-1-e1', attemptsMade: 0 } as unknown as Job;
const unlocked: ReferralLock = { tryWith: async (_id, fn) => ({ ran: true, value: await fn() }) };

async function throttledRun(err: Error): Promise<{ paused: number[]; thrown: unknown }> {
  const paused: number[] = [];
  const thrown = await runLockedJob(job, 'token', {
    schema: z.object({ referralId: z.string() }),
    expects: 'payload needs referralId',
    lock: unlocked,
    log: pino({ level: 'silent' }),
    rateLimit: async (ms) => {
      paused.push(ms);
    },
    run: () => Promise.reject(err),
  }).catch((e: unknown) => e);
  return { paused, thrown };
}

describe('runLockedJob on a 429 (#19)', () => {
  it("pauses the job's whole queue for the Retry-After", async () => {
    const { paused } = await throttledRun(new RateLimitedError('throttled', { retryAfterMs: 3000 }));
    expect(paused).toEqual([3000]);
  });

  it("hands the job back with BullMQ's RateLimitError, which spends no attempt", async () => {
    const { thrown } = await throttledRun(new RateLimitedError('throttled', { retryAfterMs: 3000 }));
    expect(thrown).toMatchObject({ name: 'RateLimitError', message: 'bullmq:rateLimitExceeded' });
  });

  it('leaves other failures to the retry path without a pause', async () => {
    const { paused, thrown } = await throttledRun(new Error('socket hang up'));
    expect(paused).toEqual([]);
    expect(thrown).toMatchObject({ message: 'Error: socket hang up' });
  });
});
