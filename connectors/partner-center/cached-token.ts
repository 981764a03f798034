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
 */
export function cachedTokenProvider(issue: () => Promise<IssuedToken>, clock: Clock = systemClock): TokenProvider {
  let current: { token: string; expiresAt: number } | undefined;
  let inflight: Promise<string> | undefined;
  return {
    getAccessToken(): Promise<string> {
      if (current && current.expiresAt - clock.now().getTime() > RENEW_MARGIN_MS) return Promise.resolve(current.token);
      inflight ??= issue()
        .then((t) => {
          current = t.expiresOn ? { token: t.accessToken, expiresAt: t.expiresOn.getTime() } : undefined;
          return t.accessToken;
        })
        .finally(() => {
          inflight = undefined;
        });
      return inflight;
    },
  };
}
