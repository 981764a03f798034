import {
  AuthError as MsalAuthError,
  ClientConfigurationError,
  ConfidentialClientApplication,
  LogLevel,
  ServerError,
} from '@azure/msal-node';
import { AuthError, FatalError, RateLimitedError, RetryableError, SyncError } from '../../src/errors.ts';
import { scrubText } from '../../src/log/logger.ts';
import { withDeadline } from '../shared/deadline.ts';
import { createMsalNetworkClient } from '../shared/msal-network.ts';
import type { DynamicsOptions } from './dynamics-options.ts';

/** Access tokens for the Dataverse application user (client credentials, docs/dataverse-api.md, "Authentication"). */
export interface DataverseTokens {
  /** A cached token, or a new one; `fresh` skips msal's cache (after a 401). */
  get(fresh?: boolean): Promise<string>;
}

/** msal renews 5 minutes before expiry; we hand out nothing it would already replace. */
const RENEW_MARGIN_MS = 5 * 60_000;

export function createDataverseTokens(
  o: DynamicsOptions,
  scope: string,
  now: () => number = Date.now,
): DataverseTokens {
  const auth = o.auth;
  const cca = new ConfidentialClientApplication({
    auth: {
      clientId: auth.clientId,
      clientSecret: auth.clientSecret,
      authority: `${auth.authorityHost}/${encodeURIComponent(auth.tenantId)}`,
      ...(auth.authorityMetadata ? { authorityMetadata: auth.authorityMetadata } : {}),
      ...(auth.cloudDiscoveryMetadata ? { cloudDiscoveryMetadata: auth.cloudDiscoveryMetadata } : {}),
      // A host outside Microsoft's clouds: msal would ask Microsoft's instance discovery about it (#15).
      ...(auth.knownAuthorities.length > 0 ? { knownAuthorities: [...auth.knownAuthorities] } : {}),
    },
    system: {
      // msal's verbose logs can carry tenant and account details; our errors say what failed.
      loggerOptions: { piiLoggingEnabled: false, logLevel: LogLevel.Error, loggerCallback: () => undefined },
      // msal's own client has no timeout on the token POST (issue 12).
      networkClient: createMsalNetworkClient(auth.timeoutMs),
    },
  });
  let current: { token: string; expiresAt: number } | undefined;
  let inflight: Promise<string> | undefined;
  /** Bumped when a renewal is abandoned at its deadline: its late token is not kept. */
  let generation = 0;

  async function issue(fresh: boolean): Promise<string> {
    const started = generation;
    try {
      const r = await cca.acquireTokenByClientCredential({ scopes: [scope], skipCache: fresh });
      if (!r) throw new AuthError('dynamics: Entra returned no token for the client-credentials request');
      if (started === generation)
        current = { token: r.accessToken, expiresAt: r.expiresOn?.getTime() ?? now() + RENEW_MARGIN_MS * 2 };
      return r.accessToken;
    } catch (err) {
      throw fromMsalError(err);
    }
  }

  return {
    get(fresh = false) {
      if (!fresh && current && current.expiresAt - now() > RENEW_MARGIN_MS) return Promise.resolve(current.token);
      // Concurrent callers share one request; a forced refresh waits for none and starts its own.
      if (fresh) current = undefined;
      if (inflight) return inflight;
      const renewal = issue(fresh);
      renewal.catch(() => undefined);
      // Every Dataverse call waits on this one renewal: past the deadline all of them get a
      // RetryableError and the next call starts afresh, instead of all hanging with it.
      const promise = withDeadline(renewal, auth.timeoutMs, () => {
        generation++;
        return new RetryableError(`dynamics: token renewal did not finish within ${auth.timeoutMs} ms (timeout)`);
      }).finally(() => {
        if (inflight === promise) inflight = undefined;
      });
      inflight = promise;
      return promise;
    },
  };
}

/** msal failure -> our error, built fresh (msal errors carry correlation data, never kept as cause). */
export function fromMsalError(err: unknown): SyncError {
  if (err instanceof SyncError) return err;
  if (!(err instanceof MsalAuthError)) {
    return new RetryableError(
      `dynamics: token request failed: ${err instanceof Error ? scrubText(err.message).slice(0, 200) : 'unknown failure'}`,
    );
  }
  const text =
    /Description:\s*([^\r\n]*?)(?:\s+-\s+(?:Correlation ID|Trace ID|Timestamp):|$)/m.exec(err.errorMessage)?.[1] ??
    err.errorMessage;
  const detail = `dynamics: entra ${err.errorCode}${text ? `: ${scrubText(text).slice(0, 200)}` : ''}`;
  if (err instanceof ClientConfigurationError)
    return new FatalError(`${detail} — check the DYNAMICS_* sign-in settings`);
  const status = err instanceof ServerError ? err.status : undefined;
  if (status === 429) return new RateLimitedError(detail);
  if (
    ['network_error', 'temporarily_unavailable', 'server_error', 'endpoints_resolution_error'].includes(
      err.errorCode,
    ) ||
    (status !== undefined && status >= 500)
  ) {
    return new RetryableError(detail);
  }
  return new AuthError(`${detail} — check the app registration, its secret and the Dataverse application user`);
}
