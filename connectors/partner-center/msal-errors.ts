import {
  AuthError as MsalAuthError,
  ClientConfigurationError,
  InteractionRequiredAuthError,
  ServerError,
} from '@azure/msal-node';
import { AuthError, FatalError, RateLimitedError, RetryableError, SyncError } from '../../src/errors.ts';
import { scrubText } from '../../src/log/logger.ts';

const LOGIN_AGAIN = 'an admin must run `referral-sync login` again';

/** Entra answers that only a new interactive sign-in can fix. */
const SIGN_IN_AGAIN = new Set([
  'invalid_grant',
  'interaction_required',
  'login_required',
  'consent_required',
  'bad_token',
  'no_tokens_found',
  'refresh_token_expired',
  'no_account_in_silent_request',
  'no_account_found',
]);
/** Entra rejected the app registration itself: a configuration fix, not a sign-in. */
const APP_CONFIG = new Set([
  'invalid_client',
  'unauthorized_client',
  'invalid_scope',
  'invalid_resource',
  'invalid_request',
]);
const TRANSIENT = new Set(['network_error', 'temporarily_unavailable', 'server_error', 'endpoints_resolution_error']);

/**
 * The useful part of msal's message: for server errors msal formats
 * `Error(s): … - Timestamp: … - Description: AADSTS…: … - Correlation ID: …`; keep the
 * description's first line. msal never puts tokens here; scrubText is a backstop.
 */
function short(text: string): string {
  const description =
    /Description:\s*([\s\S]*?)(?:\s+-\s+(?:Correlation ID|Trace ID|Timestamp):|$)/.exec(text)?.[1] ?? text;
  return scrubText(description.split(/\r?\n/)[0] ?? '').slice(0, 200);
}

/**
 * msal-node failure → our error family, built fresh (no `cause`): the delegated flow needs an
 * admin when Entra wants a new sign-in; outages and throttling retry.
 */
export function fromMsalError(err: unknown, flow: 'delegated' | 'app'): SyncError {
  if (err instanceof SyncError) return err;
  if (!(err instanceof MsalAuthError)) {
    const message = err instanceof Error ? short(err.message) : 'unknown failure';
    return new RetryableError(`entra token request failed: ${message}`);
  }
  const code = err.errorCode;
  const detail = `entra ${code}${err.errorMessage ? `: ${short(err.errorMessage)}` : ''}`;
  if (code === 'missing_tenant_id_error') {
    return new FatalError(
      `${detail} — app-only tokens need PARTNER_CENTER_TENANT_ID set to a tenant id, not organizations/common`,
    );
  }
  if (err instanceof ClientConfigurationError)
    return new FatalError(`${detail} — check the ENTRA_*/PARTNER_CENTER_* settings`);
  const status = err instanceof ServerError ? err.status : undefined;
  if (status === 429) return new RateLimitedError(detail);
  if (TRANSIENT.has(code) || (status !== undefined && status >= 500)) return new RetryableError(detail);
  if (APP_CONFIG.has(code)) {
    return new AuthError(
      `${detail} — check PARTNER_CENTER_CLIENT_ID, PARTNER_CENTER_CLIENT_SECRET and PARTNER_CENTER_SCOPE`,
    );
  }
  if (flow === 'delegated' && (err instanceof InteractionRequiredAuthError || SIGN_IN_AGAIN.has(code))) {
    return new AuthError(`the saved Partner Center sign-in can no longer be used (${code}); ${LOGIN_AGAIN}`);
  }
  return new AuthError(`${detail} — check the app registration and its admin consent`);
}
