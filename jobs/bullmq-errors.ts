import { UnrecoverableError, type Job } from 'bullmq';
import { retryDelayMs } from './queues.ts';
import { FatalError, RateLimitedError, RetryableError } from '../src/errors.ts';
import { scrubText } from '../src/log/logger.ts';

/**
 * What a processor throws to BullMQ. FatalError becomes UnrecoverableError (no more attempts);
 * retryable errors keep retryAfterMs for the backoff strategy. Messages are scrubbed because
 * BullMQ stores `err.message` in Redis and the dashboard shows it. Unknown errors retry.
 */
export function toBullMqError(err: unknown): Error {
  if (err instanceof FatalError) {
    const e = new UnrecoverableError(`${err.name}: ${scrubText(err.message)}`);
    return e;
  }
  if (err instanceof RetryableError) {
    const e = new Error(`${err.name}: ${scrubText(err.message)}`) as Error & { retryAfterMs?: number };
    if (err.retryAfterMs !== undefined) e.retryAfterMs = err.retryAfterMs;
    return e;
  }
  const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return new Error(scrubText(message));
}

/** How many Retry-After waits one job takes before a 429 starts to count as a failed attempt. */
const MAX_THROTTLE_DEFERRALS = 50;

/**
 * A 429 is the remote pacing us, not the job failing: the job waits out Retry-After (or a
 * backoff) without spending an attempt, so a long rate-limit storm parks nothing. After
 * MAX_THROTTLE_DEFERRALS waits it falls back to the normal retry path, so a remote that never
 * recovers still ends in the dead-letter state. Returns true when the job was deferred (the
 * caller then throws DelayedError).
 */
export async function deferIfThrottled(
  job: Job,
  token: string | undefined,
  err: unknown,
  now = Date.now(),
): Promise<boolean> {
  if (!(err instanceof RateLimitedError) || token === undefined) return false;
  const data = job.data as Record<string, unknown>;
  const deferrals = typeof data.throttled === 'number' ? data.throttled : 0;
  if (deferrals >= MAX_THROTTLE_DEFERRALS) return false;
  await job.updateData({ ...data, throttled: deferrals + 1 });
  await job.moveToDelayed(now + retryDelayMs(deferrals + 1, err), token);
  return true;
}
