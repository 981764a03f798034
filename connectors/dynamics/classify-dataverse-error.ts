import { classifyHttpFailure, type HttpFailure, parseRetryAfter } from '../../src/errors-classify.ts';
import { RateLimitedError, RetryableError, type SyncError, ValidationError } from '../../src/errors.ts';
import { scrubText } from '../../src/log/logger.ts';

/*
 * Dataverse error payloads `{ "error": { "code": "0x…", "message": "…" } }` -> our error family.
 * Pure; table-tested in classify-dataverse-error.test.ts. Codes: Power Apps docs "Web service
 * error codes" (learn.microsoft.com/power-apps/developer/data-platform/reference/web-service-error-codes)
 * and "Service protection API limits" (…/data-platform/api-limits).
 */

export const REMOTE = 'dynamics';

/** Two creates of the same key raced; the loser's next attempt finds the row and updates it. */
const CREATE_RACE = new Set([
  '0x80060892', // DuplicateRecordEntityKey: a record with these alternate key values exists
  '0x80040237', // DuplicateRecord: SQL integrity violation on the key's unique index
]);

/** Service protection limits; normally with HTTP 429, but the code is what the docs promise. */
const SERVICE_PROTECTION = new Set(['0x80072322', '0x80072321', '0x80072326']);

/** Dataverse rejected a record's data; carries its code and message for the parking lot. */
export class DataverseValidationError extends ValidationError {
  constructor(
    message: string,
    readonly errorCode: string | undefined,
    readonly dataverseMessage: string,
  ) {
    super(message);
  }
}

/** `{error:{code,message}}` (object or JSON text) -> code and scrubbed message; anything else -> {}. */
export function readDataverseError(body: unknown): { code?: string; message?: string } {
  let data = body;
  if (typeof data === 'string') {
    try {
      data = JSON.parse(data) as unknown;
    } catch {
      return {};
    }
  }
  const error = typeof data === 'object' && data !== null ? (data as { error?: unknown }).error : undefined;
  if (typeof error !== 'object' || error === null) return {};
  const { code, message } = error as { code?: unknown; message?: unknown };
  const out: { code?: string; message?: string } = {};
  if (typeof code === 'string' && code.trim() !== '') out.code = code.trim().toLowerCase().slice(0, 40);
  if (typeof message === 'string' && message.trim() !== '') out.message = scrubText(message.trim()).slice(0, 500);
  return out;
}

/**
 * One failed Dataverse request (the whole call, or one part of a `$batch`) as our error.
 * 401 arrives here only after the caller retried once with a fresh token.
 */
export function classifyDataverseError(f: HttpFailure, now: Date = new Date()): SyncError {
  const code = f.remoteCode?.toLowerCase();
  const about = f.referralId ? ` (referral ${f.referralId})` : '';
  const head = [REMOTE, f.status, code].filter((x) => x !== undefined).join(' ');
  const text = f.remoteMessage ? `: ${f.remoteMessage}` : '';
  const retryAfterMs = parseRetryAfter(f.retryAfter, now);

  if (code !== undefined && CREATE_RACE.has(code)) {
    return new RetryableError(`${head}${about}${text} — created concurrently; the next attempt updates it`);
  }
  if (f.status === 429 || (code !== undefined && SERVICE_PROTECTION.has(code))) {
    return new RateLimitedError(`${head}${about}${text}`, { retryAfterMs });
  }
  // The port's ConflictError speaks of Partner Center referrals; a Dataverse 412 is an ETag or
  // If-None-Match/If-Match miss on our own write, which a fresh attempt re-decides.
  if (f.status === 412) return new RetryableError(`${head}${about}${text} — precondition failed`, { retryAfterMs });
  if (f.status === 400 || f.status === 422) {
    return new DataverseValidationError(`${head}${about}${text}`, code, f.remoteMessage ?? '');
  }
  return classifyHttpFailure({ ...f, remote: REMOTE }, now);
}

/** Per-record failures stay in that record's result; the rest fail the whole call. */
export function isRecordLevel(err: SyncError, status: number | undefined): boolean {
  if (status === undefined) return false;
  if (status === 401 || status === 403 || status === 429 || status >= 500) return false;
  return err instanceof ValidationError || err instanceof RetryableError || status === 404;
}
