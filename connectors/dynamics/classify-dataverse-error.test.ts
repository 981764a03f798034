import { describe, expect, it } from 'vitest';
import type { HttpFailure } from '../../src/errors-classify.ts';
import {
  AuthError,
  ConflictError,
  FatalError,
  NotFoundError,
  RateLimitedError,
  RetryableError,
  type SyncError,
  ValidationError,
} from '../../src/errors.ts';
import {
  classifyDataverseError,
  DataverseValidationError,
  isRecordLevel,
  readDataverseError,
} from './classify-dataverse-error.ts';

type Ctor = abstract new (...args: never[]) => Error;
const NOW = new Date('2026-03-01T12:00:00Z');
const f = (status: number | undefined, code?: string, message?: string, retryAfter?: string): HttpFailure => ({
  remote: 'dynamics',
  status,
  remoteCode: code,
  remoteMessage: message,
  retryAfter,
  referralId: 'R-1',
});

describe('classifyDataverseError', () => {
  const table: [string, HttpFailure, Ctor, Record<string, unknown>][] = [
    [
      'duplicate alternate key (create race), 412',
      f(412, '0x80060892', 'A record with matching key values already exists.'),
      RetryableError,
      {},
    ],
    [
      'duplicate alternate key, 400, upper-case code',
      f(400, '0X80060892', 'A record with matching key values already exists.'),
      RetryableError,
      {},
    ],
    ['duplicate record (SQL integrity)', f(400, '0x80040237', 'Cannot insert duplicate key.'), RetryableError, {}],
    [
      '429 with Retry-After seconds',
      f(429, '0x80072322', 'Number of requests exceeded the limit', '1'),
      RateLimitedError,
      { retryAfterMs: 1000 },
    ],
    ['429 without a code', f(429, undefined, undefined, '30'), RateLimitedError, { retryAfterMs: 30_000 }],
    [
      'execution time limit code without 429',
      f(503, '0x80072321', 'Combined execution time exceeded'),
      RateLimitedError,
      {},
    ],
    ['concurrency limit code', f(429, '0x80072326', 'Number of concurrent requests exceeded'), RateLimitedError, {}],
    ['503', f(503, undefined, 'Service Unavailable', '5'), RetryableError, { retryAfterMs: 5000 }],
    ['500 generic SQL error', f(500, '0x80044150', 'Generic SQL error.'), RetryableError, {}],
    [
      'validation 400 keeps the message',
      f(400, '0x80044331', "The length of the 'name' attribute exceeded 300."),
      DataverseValidationError,
      { errorCode: '0x80044331' },
    ],
    ['400 without a code', f(400, undefined, 'Bad Request'), ValidationError, {}],
    [
      'duplicate detection rule is data, not a race',
      f(
        400,
        '0x80040333',
        'A record was not created or updated because a duplicate of the current record already exists.',
      ),
      ValidationError,
      {},
    ],
    ['401 after the fresh-token retry', f(401), AuthError, {}],
    ['403 privilege', f(403, '0x80040220', 'Principal user is missing prvCreateOpportunity privilege'), AuthError, {}],
    ['404 lookup target missing', f(404, '0x80040217', 'account With Ids = … Does Not Exist'), NotFoundError, {}],
    [
      '412 ETag mismatch',
      f(412, '0x80060882', 'The version of the existing record does not match'),
      RetryableError,
      {},
    ],
    ['405', f(405, undefined, 'Method not allowed'), FatalError, {}],
    ['network failure', { remote: 'dynamics', networkCode: 'ECONNRESET' }, RetryableError, {}],
  ];

  it.each(table)('%s', (_name, failure, expected, props) => {
    const err = classifyDataverseError(failure, NOW);
    expect(err).toBeInstanceOf(expected);
    expect(err).toMatchObject(props);
    expect(err.cause).toBeUndefined();
    if (expected === FatalError) expect(err).not.toBeInstanceOf(ValidationError);
    if (failure.status === 412) expect(err).not.toBeInstanceOf(ConflictError);
    if (failure.remoteMessage && failure.status !== undefined) expect(err.message).toContain(failure.remoteMessage);
    if (failure.status !== undefined) expect(err.message).toContain('referral R-1');
  });

  it('says a key race will update on the next attempt', () => {
    expect(classifyDataverseError(f(412, '0x80060892', 'exists')).message).toMatch(/created concurrently/);
  });
});

describe('readDataverseError', () => {
  const table: [string, unknown, ReturnType<typeof readDataverseError>][] = [
    [
      'object',
      { error: { code: '0x80040203', message: 'Invalid argument.' } },
      { code: '0x80040203', message: 'Invalid argument.' },
    ],
    ['JSON text', '{"error":{"code":"0x80060892","message":"exists"}}', { code: '0x80060892', message: 'exists' }],
    ['empty code', { error: { code: '', message: 'Bad Request' } }, { message: 'Bad Request' }],
    ['HTML', '<html>gateway</html>', {}],
    ['no error member', { value: [] }, {}],
    [
      'credentials in a message are scrubbed',
      { error: { code: 'x', message: 'token Bearer abc.def expired' } },
      { code: 'x', message: 'token [redacted] expired' },
    ],
  ];
  it.each(table)('%s', (_name, body, expected) => {
    expect(readDataverseError(body)).toEqual(expected);
  });
});

describe('isRecordLevel', () => {
  const table: [number | undefined, SyncError, boolean][] = [
    [400, new ValidationError('x'), true],
    [412, new RetryableError('race'), true],
    [404, new NotFoundError('x'), true],
    [429, new RateLimitedError('x'), false],
    [503, new RetryableError('x'), false],
    [401, new AuthError('x'), false],
    [403, new AuthError('x'), false],
    [undefined, new RetryableError('network'), false],
  ];
  it.each(table)('status %s', (status, err, expected) => {
    expect(isRecordLevel(err, status)).toBe(expected);
  });
});
