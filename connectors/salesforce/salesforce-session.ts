import { Connection, type HttpRequest } from 'jsforce';
import { setDefaults } from 'jsforce/lib/request.js';
import type { z } from 'zod';
import { AuthError, FatalError, type SyncError } from '../../src/errors.ts';
import type { Logger } from '../../src/log/logger.ts';
import { classifyCallFailure, describeJsforceError, type CallFailure } from './classify-call-failure.ts';
import type { ErrorContext } from './classify-salesforce-error.ts';
import { signIn, type SignedIn } from './sign-in.ts';
import type { SalesforceOptions } from './salesforce-options.ts';

type CallResult = { ok: true; body: unknown } | { ok: false; failure: CallFailure };

export interface SalesforceSession {
  readonly apiVersion: string;
  /** Signs in once (lazily, shared by concurrent callers); later 401s refresh transparently. */
  ready(): Promise<SignedIn>;
  /** One REST call; failures come back described, for callers that treat some as per-record. */
  attempt(req: HttpRequest, noContent?: unknown): Promise<CallResult>;
  /** One REST call; any failure is thrown as our error. */
  call(req: HttpRequest, ctx?: ErrorContext, noContent?: unknown): Promise<unknown>;
  /** The failure as our error (uses the last refresh failure for expired sessions). */
  toError(failure: CallFailure, ctx?: ErrorContext): SyncError;
}

/** The `client=` tag Salesforce records for our calls (CDC `changeOrigin`, event monitoring). */
const CALL_CLIENT = 'referral-sync';

/**
 * More refreshes than this inside REFRESH_WINDOW_MS means a fresh token is rejected too;
 * jsforce would otherwise refresh and replay forever.
 */
const MAX_REFRESHES = 3;
const REFRESH_WINDOW_MS = 10_000;

/**
 * jsforce's transport retries GET/PUT/DELETE on 420/429/5xx and socket errors by itself (STYLE
 * §4: a 503 took 15.5 s to fail). BullMQ is our one retry layer, so that is switched off.
 * `setDefaults` replaces every default (jsforce had set proxy and timeout from env): set them here.
 * The default timeout is the token one: jsforce's OAuth2 client posts to the token endpoint with
 * the defaults only, while our API calls pass their own (CRM_TIMEOUT_MS) per request.
 */
function configureTransport(opts: Pick<SalesforceOptions, 'httpProxy' | 'tokenTimeoutMs'>): void {
  setDefaults({
    followRedirect: true,
    timeout: opts.tokenTimeoutMs,
    retry: { maxRetries: 0, methods: [] },
    ...(opts.httpProxy ? { httpProxy: opts.httpProxy } : {}),
  });
}

export function createSalesforceSession(opts: SalesforceOptions, log?: Logger): SalesforceSession {
  configureTransport(opts);
  let refreshError: SyncError | undefined;
  const refreshes: number[] = [];
  const tokenHost = opts.auth.kind === 'client_credentials' ? (opts.instanceUrl ?? opts.loginUrl) : opts.loginUrl;
  const conn = new Connection({
    loginUrl: opts.loginUrl,
    ...(opts.instanceUrl ? { instanceUrl: opts.instanceUrl } : {}),
    version: opts.apiVersion,
    oauth2: {
      clientId: opts.auth.clientId,
      ...(opts.auth.kind === 'client_credentials' ? { clientSecret: opts.auth.clientSecret } : {}),
      loginUrl: tokenHost,
    },
    callOptions: { client: CALL_CLIENT },
    // jsforce's default refresh needs a refresh token, which neither flow issues: sign in again.
    refreshFn: (_conn, callback) => {
      const now = Date.now();
      while (refreshes.length > 0 && (refreshes[0] ?? 0) < now - REFRESH_WINDOW_MS) refreshes.shift();
      refreshes.push(now);
      if (refreshes.length > MAX_REFRESHES) {
        refreshError = new AuthError(
          'salesforce: new access tokens are rejected right after sign-in; check the integration user and app policies',
        );
        callback(refreshError);
        return;
      }
      log?.warn({ crm: 'salesforce' }, 'salesforce session expired; signing in again');
      signIn(conn, opts).then(
        () => {
          refreshError = undefined;
          callback(null, conn.accessToken ?? undefined);
        },
        (err: unknown) => {
          refreshError = classifyCallFailure(describeJsforceError(err));
          callback(refreshError);
        },
      );
    },
  });

  let signing: Promise<SignedIn> | undefined;
  const ready = (): Promise<SignedIn> => {
    signing ??= signIn(conn, opts).then(
      (who) => {
        log?.info({ crm: 'salesforce', instanceUrl: who.instanceUrl, userId: who.userId }, 'salesforce signed in');
        return who;
      },
      (err: unknown) => {
        signing = undefined;
        throw err;
      },
    );
    return signing;
  };

  const attempt = async (req: HttpRequest, noContent?: unknown): Promise<CallResult> => {
    await ready();
    try {
      // jsforce hands these options to its transport, so `timeout` bounds this one call.
      const options = { timeout: opts.timeoutMs, ...(noContent === undefined ? {} : { noContentResponse: noContent }) };
      const body: unknown = await conn.request(req, options);
      return { ok: true, body };
    } catch (err) {
      return { ok: false, failure: describeJsforceError(err) };
    }
  };
  const toError = (failure: CallFailure, ctx?: ErrorContext): SyncError =>
    classifyCallFailure(failure, ctx, refreshError);

  return {
    apiVersion: opts.apiVersion,
    ready,
    attempt,
    toError,
    async call(req, ctx, noContent) {
      const r = await attempt(req, noContent);
      if (!r.ok) throw toError(r.failure, ctx);
      return r.body;
    },
  };
}

/** zod-parses a response; a mismatch is fatal and reports issue paths only, never the body. */
export function parseResponse<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const paths = parsed.error.issues
    .slice(0, 5)
    .map((i) => i.path.join('.') || '(root)')
    .join(', ');
  throw new FatalError(`salesforce ${what}: unexpected response shape at ${paths}`);
}
