import { describe, expect, it } from 'vitest';
import { classifyFailedReason } from './credential-failure.ts';

/* Reasons as BullMQ stores them: jobs/processor.ts (toBullMqError) prefixes the error name. */
describe('classifyFailedReason', () => {
  it.each([
    [
      'AuthError: the saved Partner Center sign-in can no longer be used (invalid_grant); an admin must run `referral-sync login` again',
      'credentials',
      'partner-center',
    ],
    [
      'AuthError: no saved Partner Center sign-in was found; an admin must run `referral-sync login`',
      'credentials',
      'partner-center',
    ],
    [
      'AuthError: entra invalid_client: AADSTS7000215: Invalid client secret provided — check PARTNER_CENTER_CLIENT_ID, PARTNER_CENTER_CLIENT_SECRET and PARTNER_CENTER_SCOPE',
      'credentials',
      'partner-center',
    ],
    [
      'AuthError: partner-center 401 (referral abc): Unauthorized — the access token was rejected; check the sign-in',
      'credentials',
      'partner-center',
    ],
    [
      'AuthError: the saved Partner Center sign-in cannot be decrypted: TOKEN_CACHE_KEY is not the key',
      'credentials',
      'partner-center',
    ],
    [
      "AuthError: salesforce sign-in (jwt) rejected: invalid_grant: user hasn't approved this consumer",
      'credentials',
      'salesforce',
    ],
    ['AuthError: salesforce: the session expired and signing in again failed', 'credentials', 'salesforce'],
    ['AuthError: salesforce INVALID_SESSION_ID: Session expired or invalid', 'credentials', 'salesforce'],
    [
      'AuthError: dynamics: entra invalid_client: bad secret — check the app registration, its secret and the Dataverse application user',
      'credentials',
      'dynamics',
    ],
    ['AuthError: dynamics 401: the access token was rejected; check the sign-in', 'credentials', 'dynamics'],
    ['UnrecoverableError: AuthError: salesforce sign-in (jwt) failed', 'credentials', 'salesforce'],
    ['AuthError: something new nobody classified', 'credentials', undefined],
    [
      "AuthError: partner-center 403 (referral abc): Forbidden — permission denied; check the account's roles",
      'permission',
      undefined,
    ],
    [
      'AuthError: salesforce Opportunity INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY (referral abc): insufficient access',
      'permission',
      undefined,
    ],
    ["AuthError: dynamics 403: permission denied; check the account's roles", 'permission', undefined],
    ['MappingError: salesforce.fields.CloseDate: no value', 'other', undefined],
    ['RetryableError: partner-center 503', 'other', undefined],
    ['Error: AuthError: nested text is not an auth failure', 'other', undefined],
    [undefined, 'other', undefined],
  ])('%s → %s %s', (reason, kind, connection) => {
    const v = classifyFailedReason(reason);
    expect(v.kind).toBe(kind);
    if (v.kind === 'credentials') expect(v.connection).toBe(connection);
  });

  it('keeps a referral id containing 403 a credentials failure', () => {
    expect(classifyFailedReason('AuthError: partner-center 401 (referral 403a-1): Unauthorized').kind).toBe(
      'credentials',
    );
  });
});
