import { ClientConfigurationError, ServerError } from '@azure/msal-node';
import { describe, expect, it } from 'vitest';
import { AuthError, FatalError, RateLimitedError, RetryableError, ValidationError } from '../../src/errors.ts';
import { fromMsalError } from './dataverse-auth.ts';

type Ctor = abstract new (...args: never[]) => Error;

describe('fromMsalError', () => {
  const described =
    'Error(s): 7000215 - Timestamp: 2026-01-01 - Description: AADSTS7000215: Invalid client secret provided. - Correlation ID: abc';
  const table: [string, unknown, Ctor, RegExp][] = [
    [
      'invalid client secret',
      new ServerError('invalid_client', 'corr', described, '', '7000215', 401),
      AuthError,
      /entra invalid_client: AADSTS7000215: Invalid client secret provided\. — check/,
    ],
    [
      'Entra throttling',
      new ServerError('temporarily_unavailable', 'corr', 'slow down', '', '', 429),
      RateLimitedError,
      /entra temporarily_unavailable/,
    ],
    ['Entra outage', new ServerError('server_error', 'corr', 'oops', '', '', 503), RetryableError, /server_error/],
    ['bad configuration', new ClientConfigurationError('url_parse_error', 'corr'), FatalError, /DYNAMICS_\*/],
    [
      'socket failure',
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
      RetryableError,
      /token request failed: connect ECONNREFUSED/,
    ],
  ];
  it.each(table)('%s', (_name, err, type, message) => {
    const mapped = fromMsalError(err);
    expect(mapped).toBeInstanceOf(type);
    expect(mapped.message).toMatch(message);
    expect(mapped.message).not.toContain('Correlation ID');
    expect(mapped.cause).toBeUndefined();
  });

  it('passes our own errors through', () => {
    const own = new ValidationError('x');
    expect(fromMsalError(own)).toBe(own);
  });
});
