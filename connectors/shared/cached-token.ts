import { RetryableError } from '../../src/errors.ts';
import { DEFAULT_TOKEN_TIMEOUT_MS } from '../../src/config/timeouts.ts';
import { type TokenProvider } from '../../src/ports/partner-center.ts';
import { type Clock, systemClock } from '../../src/ports/clock.ts';
import { withDeadline } from './deadline.ts';

export interface IssuedToken {
  accessToken: string;
  expiresOn: Date | null;
}

/**
 * msal renews a token that expires within 5 minutes (tokenRenewalOffsetSeconds = 300); using
 * the same margin means we never hand out a token msal itself would already replace.
 */
const RENEW_MARGIN_MS = 5 * 60_000;

export interface CachedTokenOptions {
  clock?: Clock | undefined;
  /**
   * Longest a renewal may take (TOKEN_TIMEOUT_MS). Every Partner Center call waits on the one
   * shared renewal, so a renewal that hangs would freeze pulls, write-backs and pushes alike:
   * after this long every waiter gets a RetryableError (BullMQ retries with backoff) and the
   * next call starts a fresh renewal. Default 15 s.
   */
  deadlineMs?: number | undefined;
  /** Names the remote in a timeout error, e.g. `dynamics`. Default `partner center`. */
  remote?: string | undefined;
}

/**
 * Wraps a token source so that concurrent jobs share one request and a still-fresh token is
 * reused without touching msal (each msal call re-reads and may re-decrypt the cache).
 * `issue(true)` must bypass msal's cache: it is asked for after the API rejected a token that
 * had not expired by our clock (revoked, or the clocks disagree).
 */
export function cachedTokenProvider(
  issue: (skipCache: boolean) => Promise<IssuedToken>,
  options: CachedTokenOptions = {},
): TokenProvider {
  const clock = options.clock ?? systemClock;
  const deadlineMs = options.deadlineMs ?? DEFAULT_TOKEN_TIMEOUT_MS;
  const remote = options.remote ?? 'partner center';
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
      let abandoned = false;
      const renewal = issue(skipCache).then((t) => {
        // An abandoned renewal's late token is dropped: a newer one (or a rejection) came since.
        if (!abandoned) current = t.expiresOn ? { token: t.accessToken, expiresAt: t.expiresOn.getTime() } : undefined;
        return t.accessToken;
      });
      // A late failure of an abandoned renewal has no one left to tell.
      renewal.catch(() => undefined);
      const promise: Promise<string> = withDeadline(renewal, deadlineMs, () => {
        abandoned = true;
        return new RetryableError(`${remote} token renewal did not finish within ${deadlineMs} ms (timeout)`);
      }).finally(() => {
        if (inflight?.promise === promise) inflight = undefined;
      });
      inflight = { promise, skipCache };
      return promise;
    },
  };
}
