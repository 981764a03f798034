import { type Clock, systemClock, type TokenProvider } from '../../src/ports/partner-center.ts';

export interface IssuedToken {
  accessToken: string;
  expiresOn: Date | null;
}

/**
 * msal renews a token that expires within 5 minutes (tokenRenewalOffsetSeconds = 300); using
 * the same margin means we never hand out a token msal itself would already replace.
 */
const RENEW_MARGIN_MS = 5 * 60_000;

/**
 * Wraps a token source so that concurrent jobs share one request and a still-fresh token is
 * reused without touching msal (each msal call re-reads and may re-decrypt the cache).
 * `issue(true)` must bypass msal's cache: it is asked for after the API rejected a token that
 * had not expired by our clock (revoked, or the clocks disagree).
 */
export function cachedTokenProvider(issue: (skipCache: boolean) => Promise<IssuedToken>, clock: Clock = systemClock): TokenProvider {
  let current: { token: string; expiresAt: number } | undefined;
  let inflight: { promise: Promise<string>; skipCache: boolean } | undefined;
  return {
    getAccessToken(rejected?: string): Promise<string> {
      const usable = current && current.expiresAt - clock.now().getTime() > RENEW_MARGIN_MS ? current : undefined;
      // A token other than the rejected one: another caller already renewed it.
      if (usable && usable.token !== rejected) return Promise.resolve(usable.token);
      const skipCache = rejected !== undefined;
      if (skipCache) current = undefined;
      // Concurrent callers share one request; after a rejection only one that skips msal's cache.
      if (inflight && (inflight.skipCache || !skipCache)) return inflight.promise;
      const promise: Promise<string> = issue(skipCache)
        .then((t) => {
          current = t.expiresOn ? { token: t.accessToken, expiresAt: t.expiresOn.getTime() } : undefined;
          return t.accessToken;
        })
        .finally(() => {
          if (inflight?.promise === promise) inflight = undefined;
        });
      inflight = { promise, skipCache };
      return promise;
    },
  };
}
