import type { Fault } from './domain/fault.ts';

/**
 * The error family every adapter speaks. Connectors classify SDK/HTTP failures at the edge
 * into one of these; jobs/ translates FatalError into BullMQ's UnrecoverableError.
 */
export class SyncError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Worth another attempt later; `retryAfterMs` (from Retry-After) overrides the backoff. */
export class RetryableError extends SyncError {
  readonly retryAfterMs: number | undefined;
  constructor(message: string, options?: { cause?: unknown; retryAfterMs?: number | undefined }) {
    super(message, options);
    this.retryAfterMs = options?.retryAfterMs;
  }
}

/** The remote asked us to slow down (HTTP 429, Salesforce REQUEST_LIMIT_EXCEEDED). */
export class RateLimitedError extends RetryableError {}

/** Another attempt cannot succeed without a human changing data, mapping or configuration. */
export class FatalError extends SyncError {}

/**
 * The request was rejected as invalid (400, field/picklist errors, a response failing its schema).
 * `fault` names the field and its masked value when known (a referral failing its schema).
 */
export class ValidationError extends FatalError {
  readonly fault: Fault | undefined;
  constructor(message: string, options?: { cause?: unknown; fault?: Fault | undefined }) {
    super(message, options);
    this.fault = options?.fault;
  }
}

/** The thing asked for does not exist (404). */
export class NotFoundError extends FatalError {}

/** Credentials are missing, expired or lack permission; an admin must act (run `login`, fix consent). */
export class AuthError extends FatalError {}

/** The referral cannot be mapped: `field` names the mapping path or referral field at fault. */
export class MappingError extends FatalError {
  constructor(
    message: string,
    readonly field: string,
    readonly referralId?: string,
  ) {
    super(referralId ? `referral ${referralId}: ${field}: ${message}` : `${field}: ${message}`);
  }
}

/**
 * The referral changed since we read it (HTTP 412 on If-Match). Retryable: the next attempt
 * re-reads the referral and re-decides from the fresh state instead of overwriting it.
 */
export class ConflictError extends RetryableError {
  constructor(
    readonly referralId: string,
    options?: { cause?: unknown },
  ) {
    super(`referral ${referralId} was modified by someone else (412 Precondition Failed)`, options);
  }
}

export const isFatal = (err: unknown): err is FatalError => err instanceof FatalError;
