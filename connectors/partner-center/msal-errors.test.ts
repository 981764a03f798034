import {
  ClientAuthError,
  ClientConfigurationError,
  InteractionRequiredAuthError,
  AuthError as MsalAuthError,
  ServerError,
} from '@azure/msal-node';
import { describe, expect, it } from 'vitest';
import {
  AuthError,
  FatalError,
  RateLimitedError,
  RetryableError,
  type SyncError,
  ValidationError,
} from '../../src/errors.ts';
import { fromMsalError } from './msal-errors.ts';

type Row = [string, unknown, 'delegated' | 'app', new (...a: never[]) => SyncError, RegExp];

const server = (code: string, status?: number, message = '') =>
  new ServerError(code, 'corr', message, undefined, undefined, status);

describe('fromMsalError', () => {
  const rows: Row[] = [
    [
      'invalid_grant from a refresh',
      new InteractionRequiredAuthError('invalid_grant', 'corr', 'AADSTS700082: expired'),
      'delegated',
      AuthError,
      /referral-sync login/,
    ],
    [
      'interaction_required (MFA / conditional access)',
      new InteractionRequiredAuthError('interaction_required', 'corr'),
      'delegated',
      AuthError,
      /referral-sync login/,
    ],
    ['invalid_grant as a ServerError', server('invalid_grant', 400), 'delegated', AuthError, /referral-sync login/],
    ['no_tokens_found', new ClientAuthError('no_tokens_found', 'corr'), 'delegated', AuthError, /referral-sync login/],
    ['invalid_client', server('invalid_client', 401), 'app', AuthError, /PARTNER_CENTER_CLIENT_SECRET/],
    ['invalid_scope', server('invalid_scope', 400), 'delegated', AuthError, /PARTNER_CENTER_SCOPE/],
    ['throttled by Entra', server('too_many_requests', 429), 'app', RateLimitedError, /entra/],
    ['Entra outage', server('temporarily_unavailable', 503), 'app', RetryableError, /temporarily_unavailable/],
    [
      'network failure',
      new ClientAuthError('network_error', 'corr', 'Network request failed: ECONNREFUSED'),
      'app',
      RetryableError,
      /network_error/,
    ],
    ['bad configuration', new ClientConfigurationError('url_parse_error', 'corr'), 'app', FatalError, /ENTRA_/],
    ['anything else from msal', new MsalAuthError('weird', 'corr'), 'app', AuthError, /weird/],
    ['a non-msal error', new TypeError('x is undefined'), 'app', RetryableError, /x is undefined/],
  ];

  it.each(rows)('%s', (_name, err, flow, type, message) => {
    const mapped = fromMsalError(err, flow);
    expect(mapped).toBeInstanceOf(type);
    expect(mapped.message).toMatch(message);
    expect(mapped.cause).toBeUndefined();
  });

  it('keeps only the description of a server message and scrubs credentials', () => {
    const msg =
      'Error(s): 7000215 - Timestamp: 2025-01-01 - Description: AADSTS7000215: Invalid client secret. Bearer abc.def - Correlation ID: c - Trace ID: t';
    const mapped = fromMsalError(server('invalid_client', 401, msg), 'app');
    expect(mapped.message).toContain('AADSTS7000215: Invalid client secret.');
    expect(mapped.message).not.toMatch(/Trace ID|abc\.def/);
  });

  it('passes our own errors through', () => {
    const own = new ValidationError('x');
    expect(fromMsalError(own, 'app')).toBe(own);
  });
});
