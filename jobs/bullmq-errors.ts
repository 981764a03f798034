import { UnrecoverableError } from 'bullmq';
import { FatalError, RetryableError } from '../src/errors.ts';
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
