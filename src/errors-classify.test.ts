import { describe, expect, it } from 'vitest';
import { classifyHttpFailure, parseRetryAfter, type HttpFailure } from './errors-classify.ts';
import {
  AuthError,
  ConflictError,
  FatalError,
  NotFoundError,
  RateLimitedError,
  RetryableError,
  ValidationError,
} from './errors.ts';

const now = new Date('2026-01-01T00:00:00Z');
const base: HttpFailure = { remote: 'partner-center' };

describe('classifyHttpFailure', () => {
  it.each([
    ['429 with Retry-After seconds', { status: 429, retryAfter: '2' }, RateLimitedError, 2000],
    [
      '429 with an HTTP-date Retry-After',
      { status: 429, retryAfter: 'Thu, 01 Jan 2026 00:00:05 GMT' },
      RateLimitedError,
      5000,
    ],
    ['429 without Retry-After', { status: 429 }, RateLimitedError, undefined],
    ['503 with Retry-After', { status: 503, retryAfter: '7' }, RetryableError, 7000],
    ['500', { status: 500 }, RetryableError, undefined],
    ['504', { status: 504 }, RetryableError, undefined],
    ['network reset', { networkCode: 'ECONNRESET' }, RetryableError, undefined],
    ['unknown transport failure', { networkCode: 'EWHATEVER' }, RetryableError, undefined],
    ['401', { status: 401 }, AuthError, undefined],
    ['403', { status: 403, remoteCode: 'accessDenied' }, AuthError, undefined],
    ['404', { status: 404 }, NotFoundError, undefined],
    ['412', { status: 412, referralId: 'r-1' }, ConflictError, undefined],
    ['400 validation', { status: 400, remoteCode: 'invalidRequest' }, ValidationError, undefined],
    ['422', { status: 422 }, ValidationError, undefined],
    ['405', { status: 405 }, FatalError, undefined],
  ] as const)('%s', (_name, failure, type, retryAfterMs) => {
    const err = classifyHttpFailure({ ...base, ...failure }, now);
    expect(err).toBeInstanceOf(type);
    if (err instanceof RetryableError) expect(err.retryAfterMs).toBe(retryAfterMs);
  });

  it('keeps the referral id on a 412 conflict and stays retryable', () => {
    const err = classifyHttpFailure({ ...base, status: 412, referralId: 'abc' }, now);
    expect(err).toBeInstanceOf(ConflictError);
    expect((err as ConflictError).referralId).toBe('abc');
    expect(err).toBeInstanceOf(RetryableError);
  });

  it('names the remote, status and code in the message', () => {
    const err = classifyHttpFailure(
      { remote: 'salesforce', status: 400, remoteCode: 'INVALID_FIELD', remoteMessage: 'No such column' },
      now,
    );
    expect(err.message).toBe('salesforce 400 INVALID_FIELD: No such column');
  });
});

describe('parseRetryAfter', () => {
  it.each([
    [undefined, undefined],
    ['', undefined],
    ['0', 0],
    ['1.5', 1500],
    ['nonsense', undefined],
    ['Wed, 31 Dec 2025 23:59:00 GMT', 0], // a date in the past means "now"
  ])('%s -> %s', (value, ms) => expect(parseRetryAfter(value, now)).toBe(ms));
});
