import {
  AuthError as MsalAuthError,
  ClientConfigurationError,
  ConfidentialClientApplication,
  LogLevel,
  ServerError,
} from '@azure/msal-node';
import { AuthError, FatalError, RateLimitedError, RetryableError, SyncError } from '../../src/errors.ts';
import type { Clock } from '../../src/ports/clock.ts';
import type { TokenProvider } from '../../src/ports/partner-center.ts';
import { scrubText } from '../../src/log/logger.ts';
import { cachedTokenProvider } from '../shared/cached-token.ts';
import { createMsalNetworkClient } from '../shared/msal-network.ts';
import type { DynamicsOptions } from './dynamics-options.ts';

/**
 * Access tokens for the Dataverse application user (client credentials, docs/dataverse-api.md, "Authentication"), through
 * the same cache as Partner Center's (connectors/shared/cached-token.ts): concurrent calls share
 * one renewal, a renewal is abandoned at TOKEN_TIMEOUT_MS, and a token Dataverse rejected (401)
 * is renewed past msal's cache rather than joining a renewal that may hand it back.
 */
export function createDataverseTokens(o: DynamicsOptions, scope: string, clock?: Clock): TokenProvider {
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
  return cachedTokenProvider(
    async (skipCache) => {
      try {
        const r = await cca.acquireTokenByClientCredential({ scopes: [scope], skipCache });
        if (!r) throw new AuthError('dynamics: Entra returned no token for the client-credentials request');
        return { accessToken: r.accessToken, expiresOn: r.expiresOn };
      } catch (err) {
        throw fromMsalError(err);
      }
    },
    { clock, deadlineMs: auth.timeoutMs, remote: 'dynamics' },
  );
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
