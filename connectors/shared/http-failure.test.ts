import { inspect } from 'node:util';
import { AxiosError, AxiosHeaders, type AxiosResponse, type InternalAxiosRequestConfig } from 'axios';
import { describe, expect, it } from 'vitest';
import type { HttpFailure } from '../../src/errors-classify.ts';
import { ConflictError, NotFoundError, RateLimitedError, RetryableError, ValidationError } from '../../src/errors.ts';
import { toHttpFailure, toSyncError } from './http-failure.ts';

const TOKEN = 'secret-bearer-token-123';
const config = { headers: new AxiosHeaders({ Authorization: `Bearer ${TOKEN}` }) } as InternalAxiosRequestConfig;

function httpError(
  status: number,
  data: unknown,
  headers: Record<string, string | string[]> | AxiosHeaders = {},
): AxiosError {
  const response = {
    status,
    statusText: '',
    data,
    config,
    headers: headers instanceof AxiosHeaders ? headers : (headers as unknown as AxiosResponse['headers']),
  } as AxiosResponse;
  return new AxiosError(
    `Request failed with status code ${status}`,
    'ERR_BAD_RESPONSE',
    config,
    { _header: `Authorization: Bearer ${TOKEN}` },
    response,
  );
}
const networkError = (code: string, message: string): AxiosError => new AxiosError(message, code, config, {});
const pc = (code: string, message: string) => ({ error: { code, message } });

const ctx = { remote: 'partner-center', referralId: 'r-1' };

describe('toHttpFailure', () => {
  const cases: Array<[string, unknown, Partial<HttpFailure>]> = [
    [
      '429 with Retry-After seconds and a Partner API body',
      httpError(429, pc('throttled', 'slow down'), new AxiosHeaders({ 'Retry-After': '2' })),
      { status: 429, retryAfter: '2', remoteCode: 'throttled', remoteMessage: 'slow down' },
    ],
    [
      '503 with Retry-After as an HTTP date',
      httpError(
        503,
        pc('serviceNotAvailable', 'busy'),
        new AxiosHeaders({ 'retry-after': 'Wed, 21 Oct 2026 07:28:00 GMT' }),
      ),
      { status: 503, retryAfter: 'Wed, 21 Oct 2026 07:28:00 GMT', remoteCode: 'serviceNotAvailable' },
    ],
    [
      '412 preconditionFailed',
      httpError(412, pc('preconditionFailed', 'stale')),
      { status: 412, remoteCode: 'preconditionFailed', referralId: 'r-1' },
    ],
    [
      'body as a JSON string',
      httpError(404, JSON.stringify(pc('itemNotFound', 'gone'))),
      { status: 404, remoteCode: 'itemNotFound', remoteMessage: 'gone' },
    ],
    [
      'HTML body yields no remote code',
      httpError(502, '<html>Bad gateway</html>'),
      { status: 502, remoteCode: undefined, remoteMessage: undefined },
    ],
    [
      'flat {code, description} body (api.partnercenter)',
      httpError(400, { code: 600008, description: 'bad filter' }),
      { status: 400, remoteCode: '600008', remoteMessage: 'bad filter' },
    ],
    [
      'plain-object headers, any case, array value',
      httpError(429, null, { 'Retry-After': ['7'] }),
      { status: 429, retryAfter: '7' },
    ],
    [
      'Buffer body is ignored',
      httpError(500, Buffer.from('{"error":{"code":"x"}}')),
      { status: 500, remoteCode: undefined },
    ],
    [
      'credentials in a remote message are scrubbed',
      httpError(401, pc('unauthenticated', `token Bearer ${TOKEN} expired`)),
      { status: 401, remoteMessage: 'token [redacted] expired' },
    ],
    [
      'connection refused (no response)',
      networkError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:9'),
      { status: undefined, networkCode: 'ECONNREFUSED', remoteMessage: 'connect ECONNREFUSED 127.0.0.1:9' },
    ],
    ['axios timeout', networkError('ECONNABORTED', 'timeout of 100ms exceeded'), { networkCode: 'ECONNABORTED' }],
    [
      'Node system error',
      Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
      { networkCode: 'ECONNRESET', remoteMessage: 'socket hang up' },
    ],
    ['a thrown string', 'boom', { status: undefined, networkCode: undefined, remoteMessage: undefined }],
  ];

  it.each(cases)('%s', (_name, err, expected) => {
    const failure = toHttpFailure(err, ctx);
    expect(failure.remote).toBe('partner-center');
    for (const [key, value] of Object.entries(expected)) expect(failure[key as keyof HttpFailure], key).toEqual(value);
    expect(JSON.stringify(failure)).not.toContain(TOKEN);
  });

  it('truncates long remote messages', () => {
    const failure = toHttpFailure(httpError(400, pc('invalidRequest', 'x'.repeat(5000))), ctx);
    expect(failure.remoteMessage).toHaveLength(300);
  });
});

describe('toSyncError', () => {
  const cases: Array<[string, unknown, new (...a: never[]) => Error, Record<string, unknown>]> = [
    [
      '429 → RateLimitedError with Retry-After',
      httpError(429, pc('throttled', ''), new AxiosHeaders({ 'Retry-After': '2' })),
      RateLimitedError,
      { retryAfterMs: 2000 },
    ],
    [
      '503 → RetryableError',
      httpError(503, null, new AxiosHeaders({ 'Retry-After': '5' })),
      RetryableError,
      { retryAfterMs: 5000 },
    ],
    [
      '412 → ConflictError naming the referral',
      httpError(412, pc('preconditionFailed', '')),
      ConflictError,
      { referralId: 'r-1' },
    ],
    ['404 → NotFoundError', httpError(404, pc('itemNotFound', '')), NotFoundError, {}],
    ['400 → ValidationError', httpError(400, pc('invalidRequest', 'bad')), ValidationError, {}],
    ['network → RetryableError', networkError('ECONNRESET', 'reset'), RetryableError, {}],
  ];

  it.each(cases)('%s', (_name, err, type, props) => {
    const mapped = toSyncError(err, ctx, new Date('2026-01-01T00:00:00Z'));
    expect(mapped).toBeInstanceOf(type);
    expect(mapped).toMatchObject(props);
    expect(mapped.cause).toBeUndefined();
    expect(inspect(mapped, { depth: 10 })).not.toContain(TOKEN);
  });

  it('passes our own errors through unchanged', () => {
    const own = new ValidationError('x');
    expect(toSyncError(own, ctx)).toBe(own);
  });
});
