import { describe, expect, it } from 'vitest';
import {
  AuthError,
  FatalError,
  NotFoundError,
  RateLimitedError,
  RetryableError,
  ValidationError,
} from '../../src/errors.ts';
import { classifyCallFailure, describeJsforceError } from './classify-call-failure.ts';
import { signInError } from './sign-in.ts';

/** Shaped like jsforce's (unexported) HttpApiError: name = errorCode, raw body in `data`. */
function apiError(errorCode: string, message: string, data?: unknown): Error {
  const err = new Error(message) as Error & { errorCode: string; data: unknown };
  err.name = errorCode;
  err.errorCode = errorCode;
  err.data = data;
  return err;
}

function fetchError(code: string): Error {
  const err = new Error(`request to https://x failed, reason: ${code}`) as Error & { code: string; type: string };
  err.name = 'FetchError';
  err.code = code;
  err.type = 'system';
  return err;
}

type Ctor = abstract new (...args: never[]) => Error;

describe('classifyCallFailure(describeJsforceError(err))', () => {
  const table: [string, unknown, Ctor][] = [
    ['503 SERVER_UNAVAILABLE', apiError('SERVER_UNAVAILABLE', 'Server temporarily unavailable'), RetryableError],
    ['500 UNKNOWN_EXCEPTION', apiError('UNKNOWN_EXCEPTION', 'An unexpected error occurred'), RetryableError],
    ['HTML 502 page', apiError('ERROR_HTTP_502', '<html>Bad gateway</html>'), RetryableError],
    ['HTML 503 page', apiError('ERROR_HTTP_503', '<html>down</html>'), RetryableError],
    ['HTML 400', apiError('ERROR_HTTP_400', 'nope'), ValidationError],
    ['request limit', apiError('REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.'), RateLimitedError],
    ['401 after refresh', apiError('INVALID_SESSION_ID', 'Session expired or invalid'), AuthError],
    ['no permission', apiError('INSUFFICIENT_ACCESS', 'insufficient access rights'), AuthError],
    [
      'api disabled',
      apiError('API_DISABLED_FOR_ORG', 'API is not enabled for this Organization or Partner'),
      AuthError,
    ],
    ['object missing', apiError('NOT_FOUND', 'The requested resource does not exist'), NotFoundError],
    ['bad query', apiError('MALFORMED_QUERY', 'unexpected token'), ValidationError],
    ['multiple matches (300)', apiError('MULTIPLE_CHOICES', 'Multiple records found', ['/a', '/b']), FatalError],
    [
      'several errors',
      apiError('MULTIPLE_API_ERRORS', 'Multiple errors returned', [
        { errorCode: 'UNABLE_TO_LOCK_ROW', message: 'x' },
        { errorCode: 'X' },
      ]),
      RetryableError,
    ],
    ['connection refused', fetchError('ECONNREFUSED'), RetryableError],
    ['socket reset', fetchError('ECONNRESET'), RetryableError],
    ['timeout (abort)', Object.assign(new Error('aborted'), { name: 'AbortError' }), RetryableError],
    ['refresh failed', new Error('Unable to refresh session due to: invalid_grant'), AuthError],
    ['jsforce argument check', new Error('External ID is not found in record.'), FatalError],
    ['not an error', 'boom', FatalError],
  ];

  it.each(table)('%s', (_name, thrown, expected) => {
    const err = classifyCallFailure(describeJsforceError(thrown), { object: 'Opportunity' });
    expect(err).toBeInstanceOf(expected);
    if (expected === FatalError) expect(err).not.toBeInstanceOf(ValidationError);
    expect(err.cause).toBeUndefined();
  });

  it('drops the body jsforce puts in the message of a non-JSON error', () => {
    const err = classifyCallFailure(describeJsforceError(apiError('ERROR_HTTP_503', '<html>secret page</html>')));
    expect(err.message).not.toContain('secret page');
  });

  it('reports the refreshFn failure itself when the session could not be renewed', () => {
    const why = new RetryableError('salesforce sign-in: token endpoint unreachable');
    expect(classifyCallFailure(describeJsforceError(new Error('Unable to refresh session due to: x')), {}, why)).toBe(
      why,
    );
  });

  it('passes our own errors through', () => {
    const ours = new NotFoundError('x');
    expect(classifyCallFailure(describeJsforceError(ours))).toBe(ours);
  });
});

describe('signInError', () => {
  const oauth = (error: string, description: string): Error => Object.assign(new Error(description), { name: error });

  it.each([
    ['invalid_grant', oauth('invalid_grant', "user hasn't approved this consumer"), AuthError],
    ['invalid_client_id', oauth('invalid_client_id', 'client identifier invalid'), AuthError],
    ['token endpoint 503', oauth('ERROR_HTTP_503', '<html/>'), RetryableError],
    ['token endpoint 404', oauth('ERROR_HTTP_404', '<html/>'), AuthError],
    ['network', fetchError('ENOTFOUND'), RetryableError],
    ['odd response', new TypeError("Cannot read properties of undefined (reading 'split')"), FatalError],
  ] as [string, unknown, Ctor][])('%s', (_name, thrown, expected) => {
    const err = signInError(thrown, 'jwt');
    expect(err).toBeInstanceOf(expected);
    if (expected === FatalError) expect(err).not.toBeInstanceOf(AuthError);
  });

  it("keeps Salesforce's OAuth error and description", () => {
    expect(signInError(oauth('invalid_grant', 'audience is invalid'), 'jwt').message).toBe(
      'salesforce sign-in (jwt) rejected: invalid_grant: audience is invalid',
    );
  });
});
