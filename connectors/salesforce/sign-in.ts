import type { Connection } from 'jsforce';
import { AuthError, FatalError, RetryableError, SyncError } from '../../src/errors.ts';
import { scrubText } from '../../src/log/logger.ts';
import { loadPrivateKey, signJwtAssertion } from './jwt-assertion.ts';
import type { SalesforceOptions } from './salesforce-options.ts';

export interface SignedIn {
  instanceUrl: string;
  /** The integration user: LastModifiedById of our writes (echo filtering). */
  userId: string | undefined;
  orgId: string | undefined;
}

const JWT_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/**
 * Runs the configured OAuth flow on `conn` and establishes the session. Used for the first
 * sign-in and by our refreshFn. Failures leave as AuthError (bad credentials/consent) or
 * RetryableError (token endpoint down); messages carry Salesforce's OAuth error code and
 * description only, never the assertion, secret or token.
 */
export async function signIn(
  conn: Connection,
  opts: SalesforceOptions,
  now: () => Date = () => new Date(),
): Promise<SignedIn> {
  const auth = opts.auth;
  let params: { grant_type: string; [name: string]: string };
  if (auth.kind === 'jwt') {
    const assertion = signJwtAssertion(
      { clientId: auth.clientId, username: auth.username, audience: auth.audience ?? opts.loginUrl, now: now() },
      loadPrivateKey(auth.privateKey),
    );
    params = { grant_type: JWT_GRANT, assertion };
  } else {
    params = { grant_type: 'client_credentials' };
  }
  try {
    await conn.authorize(params);
  } catch (err) {
    throw signInError(err, auth.kind);
  }
  if (!conn.accessToken || !conn.instanceUrl) {
    throw new AuthError(`salesforce sign-in (${auth.kind}): the token response had no access token or instance URL`);
  }
  return {
    instanceUrl: conn.instanceUrl,
    userId: conn.userInfo?.id ?? undefined,
    orgId: conn.userInfo?.organizationId ?? undefined,
  };
}

/** Pure: maps what jsforce's OAuth2 client threw. Its error `name` is the OAuth `error` code. */
export function signInError(err: unknown, flow: string): SyncError {
  if (err instanceof SyncError) return err;
  if (!(err instanceof Error)) return new AuthError(`salesforce sign-in (${flow}) failed`);
  const code = (err as Error & { code?: unknown }).code;
  if (err.name === 'AbortError') {
    // jsforce aborts the POST when the transport timeout (TOKEN_TIMEOUT_MS) passes.
    return new RetryableError(`salesforce sign-in (${flow}): no answer from the token endpoint in time (timeout)`);
  }
  if (err.name === 'FetchError') {
    return new RetryableError(
      `salesforce sign-in (${flow}): token endpoint unreachable${typeof code === 'string' ? ` (${code})` : ''}`,
    );
  }
  const http = /^ERROR_HTTP_(\d{3})$/.exec(err.name);
  if (http?.[1]) {
    const status = Number(http[1]);
    // The body of a non-JSON answer is in `message`: not echoed.
    return status >= 500 || status === 429
      ? new RetryableError(`salesforce sign-in (${flow}): token endpoint answered HTTP ${status}`)
      : new AuthError(`salesforce sign-in (${flow}): token endpoint answered HTTP ${status}`);
  }
  if (/^[a-z_]+$/.test(err.name)) {
    const description = scrubText(err.message).slice(0, 300);
    return new AuthError(`salesforce sign-in (${flow}) rejected: ${err.name}${description ? `: ${description}` : ''}`);
  }
  // e.g. a token response without `id`: jsforce fails parsing it.
  return new FatalError(`salesforce sign-in (${flow}): unexpected token response`);
}
