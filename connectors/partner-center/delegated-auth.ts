import { PublicClientApplication } from '@azure/msal-node';
import { AuthError } from '../../src/errors.ts';
import { type TokenProvider } from '../../src/ports/partner-center.ts';
import { type Clock, systemClock } from '../../src/ports/clock.ts';
import { cachedTokenProvider } from '../shared/cached-token.ts';
import { createEncryptedCachePlugin } from './encrypted-cache-plugin.ts';
import { type EntraOptions, msalAuthOptions, msalSystemOptions } from './msal-config.ts';
import { fromMsalError } from './msal-errors.ts';
import { parseCacheKey } from './token-cache-crypto.ts';
import { openTokenCacheStore, type TokenCacheLocation } from './token-cache-store.ts';

/*
 * Delegated (App+User) sign-in: the Referrals API "currently supports only user access"
 * (docs/partner-center-referrals-api.md, "Authentication"). An admin signs in once with the device-code flow (works
 * over SSH, with
 * MFA); msal keeps the refresh token in an encrypted cache, and the worker renews silently.
 */

export interface DelegatedAuthOptions extends EntraOptions {
  tokenCache: {
    /** TOKEN_CACHE_KEY: 32 bytes, base64 or hex. */
    key: string;
    location: TokenCacheLocation;
  };
}

/** What the admin must do to finish `referral-sync login`. */
export interface DeviceCodePrompt {
  userCode: string;
  verificationUri: string;
  /** Entra's ready-made sentence ("To sign in, use a web browser to open ..."). */
  message: string;
  expiresInSec: number;
}

export interface LoginOptions {
  /** Called once with the code to show; print it to the terminal. */
  onPrompt: (prompt: DeviceCodePrompt) => void;
  /** Give up after this many seconds (default: when the device code expires, ~15 min). */
  timeoutSec?: number;
}

function publicClient(options: DelegatedAuthOptions): PublicClientApplication {
  const store = openTokenCacheStore(options.tokenCache.location);
  return new PublicClientApplication({
    auth: msalAuthOptions(options),
    cache: { cachePlugin: createEncryptedCachePlugin(store, parseCacheKey(options.tokenCache.key)) },
    system: msalSystemOptions(options.tokenTimeoutMs),
  });
}

/**
 * Device-code sign-in; on success the encrypted cache holds this one account (earlier accounts
 * are removed, so the worker never picks a stale one). Returns who signed in.
 */
export async function loginWithDeviceCode(
  options: DelegatedAuthOptions,
  login: LoginOptions,
): Promise<{ username: string }> {
  const pca = publicClient(options);
  try {
    const result = await pca.acquireTokenByDeviceCode({
      scopes: [options.scope],
      deviceCodeCallback: (r) =>
        login.onPrompt({
          userCode: r.userCode,
          verificationUri: r.verificationUri,
          message: r.message,
          expiresInSec: r.expiresIn,
        }),
      ...(login.timeoutSec !== undefined ? { timeout: login.timeoutSec } : {}),
    });
    const account = result?.account;
    if (!account)
      throw new AuthError(
        'Entra returned no account for the sign-in; check that the app registration allows public client flows',
      );
    const cache = pca.getTokenCache();
    for (const other of await cache.getAllAccounts()) {
      if (other.homeAccountId !== account.homeAccountId) await cache.removeAccount(other);
    }
    return { username: account.username };
  } catch (err) {
    throw fromMsalError(err, 'delegated');
  }
}

/**
 * TokenProvider for the worker: silent renewal from the encrypted cache written by
 * `loginWithDeviceCode` (msal uses the refresh token once the access token is near expiry).
 * No saved sign-in, a revoked one, or a wrong TOKEN_CACHE_KEY → AuthError telling the admin
 * to log in again; it is not retried.
 */
export function createDelegatedTokenProvider(options: DelegatedAuthOptions, clock: Clock = systemClock): TokenProvider {
  const pca = publicClient(options);
  return cachedTokenProvider(
    async (skipCache) => {
      try {
        const [account] = await pca.getTokenCache().getAllAccounts();
        if (!account)
          throw new AuthError('no saved Partner Center sign-in was found; an admin must run `referral-sync login`');
        // forceRefresh redeems the refresh token even though the cached access token looks valid.
        const result = await pca.acquireTokenSilent({ account, scopes: [options.scope], forceRefresh: skipCache });
        return { accessToken: result.accessToken, expiresOn: result.expiresOn };
      } catch (err) {
        throw fromMsalError(err, 'delegated');
      }
    },
    { clock, deadlineMs: options.tokenTimeoutMs },
  );
}
