import {
  AuthError,
  ConflictError,
  FatalError,
  NotFoundError,
  RateLimitedError,
  RetryableError,
  type SyncError,
  ValidationError,
} from './errors.ts';

/** What an adapter could learn about a failed call; no bodies, headers or configs beyond these. */
export interface HttpFailure {
  /** HTTP status, absent for network failures. */
  status?: number | undefined;
  /** Raw Retry-After header value (seconds or an HTTP date). */
  retryAfter?: string | undefined;
  /** Node/axios network error code (ECONNRESET, ETIMEDOUT, ...). */
  networkCode?: string | undefined;
  /** The remote's error code from the body (e.g. `preconditionFailed`, `UNABLE_TO_LOCK_ROW`). */
  remoteCode?: string | undefined;
  /** The remote's human message (never contains credentials; bodies are not echoed). */
  remoteMessage?: string | undefined;
  /** Which remote: 'partner-center', 'salesforce', 'dynamics', 'webhook'. */
  remote: string;
  /** The referral the call was about, for 412 conflicts and messages. */
  referralId?: string | undefined;
}

/**
 * Retry-After is seconds or an HTTP date (RFC 9110 §10.2.3). Returns milliseconds, or
 * undefined when absent or unparseable.
 */
export function parseRetryAfter(value: string | undefined, now: Date): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now.getTime());
}

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'ECONNABORTED',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
  'UND_ERR_SOCKET',
  'ERR_NETWORK',
]);

/** Pure: maps an HTTP-level failure onto our error family. Table-tested in errors-classify.test.ts. */
export function classifyHttpFailure(f: HttpFailure, now: Date = new Date()): SyncError {
  const what = [f.remote, f.status ?? f.networkCode, f.remoteCode].filter((x) => x !== undefined).join(' ');
  const detail = f.remoteMessage ? `: ${f.remoteMessage.slice(0, 500)}` : '';
  const about = f.referralId ? ` (referral ${f.referralId})` : '';
  const message = `${what}${about}${detail}`;
  const retryAfterMs = parseRetryAfter(f.retryAfter, now);

  if (f.status === undefined) {
    // No response at all. Unknown transport codes are treated like the known ones (TLS resets,
    // proxy hiccups): transient. The label only helps the operator read the log.
    const kind = f.networkCode && NETWORK_CODES.has(f.networkCode) ? 'network' : 'transport';
    return new RetryableError(`${message} (${kind})`);
  }
  const s = f.status;
  if (s === 429) return new RateLimitedError(message, { retryAfterMs });
  if (s === 412) return new ConflictError(f.referralId ?? 'unknown');
  if (s === 401) return new AuthError(`${message} — the access token was rejected; check the sign-in`);
  if (s === 403) return new AuthError(`${message} — permission denied; check the account's roles`);
  if (s === 404) return new NotFoundError(message);
  if (s === 408 || s === 425) return new RetryableError(message, { retryAfterMs });
  if (s === 409 || s === 423) return new RetryableError(message, { retryAfterMs });
  if (s >= 500) return new RetryableError(message, { retryAfterMs });
  if (s === 400 || s === 422) return new ValidationError(message);
  return new FatalError(message);
}
