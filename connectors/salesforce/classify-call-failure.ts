import { classifyHttpFailure } from '../../src/errors-classify.ts';
import { AuthError, FatalError, SyncError } from '../../src/errors.ts';
import { scrubText } from '../../src/log/logger.ts';
import { errorFromCode, readErrorItem, type ErrorContext } from './classify-salesforce-error.ts';

/**
 * What we keep of a thrown jsforce/node-fetch error: whitelisted fields only. The raw error is
 * never kept as `cause` (its `data` can hold a whole HTML page, node-fetch errors the request).
 */
export type CallFailure =
  | { kind: 'api'; code: string | undefined; message: string | undefined; fields: string[]; status: number | undefined }
  | { kind: 'network'; networkCode: string | undefined }
  | { kind: 'refresh' }
  | { kind: 'ours'; error: SyncError }
  | { kind: 'other'; message: string };

const HTTP_CODE = /^ERROR_HTTP_(\d{3})$/;
/** jsforce's SessionRefreshDelegate rethrows refreshFn failures as a plain Error with this prefix. */
const REFRESH_FAILED = 'Unable to refresh session due to:';

/** Pure: reads what jsforce threw. Table-tested in classify-call-failure.test.ts. */
export function describeJsforceError(err: unknown): CallFailure {
  if (err instanceof SyncError) return { kind: 'ours', error: err };
  if (!(err instanceof Error)) return { kind: 'other', message: 'non-error value thrown' };
  const e = err as Error & { errorCode?: unknown; code?: unknown; data?: unknown; type?: unknown };
  if (e.name === 'FetchError' || e.name === 'AbortError') {
    return {
      kind: 'network',
      networkCode: typeof e.code === 'string' ? e.code : e.name === 'AbortError' ? 'ETIMEDOUT' : undefined,
    };
  }
  if (e.message.startsWith(REFRESH_FAILED)) return { kind: 'refresh' };
  if (typeof e.errorCode === 'string') {
    const http = HTTP_CODE.exec(e.errorCode);
    // ERROR_HTTP_nnn: the body was not a Salesforce error (HTML, empty); jsforce put the body in
    // `message`, so it is dropped here.
    if (http?.[1]) return { kind: 'api', code: undefined, message: undefined, fields: [], status: Number(http[1]) };
    if (e.errorCode === 'MULTIPLE_API_ERRORS' && Array.isArray(e.data) && e.data.length > 0) {
      const first = readErrorItem(e.data[0]);
      return { kind: 'api', code: first.code, message: first.message, fields: first.fields, status: undefined };
    }
    const item = readErrorItem(e.data);
    return {
      kind: 'api',
      code: e.errorCode,
      message: item.message ?? e.message,
      fields: item.fields,
      status: undefined,
    };
  }
  return { kind: 'other', message: e.message };
}

/** Pure: a whole-call failure as our error. `refreshError` is what our refreshFn last failed with. */
export function classifyCallFailure(f: CallFailure, ctx: ErrorContext = {}, refreshError?: SyncError): SyncError {
  switch (f.kind) {
    case 'ours':
      return f.error;
    case 'network':
      return classifyHttpFailure({ remote: 'salesforce', networkCode: f.networkCode });
    case 'refresh':
      return refreshError ?? new AuthError('salesforce: the session expired and signing in again failed');
    case 'api':
      if (f.code === undefined) {
        return classifyHttpFailure({ remote: 'salesforce', status: f.status, referralId: ctx.referralId });
      }
      if (f.code === 'INVALID_SESSION_ID') {
        return new AuthError(
          `salesforce INVALID_SESSION_ID: the access token was rejected right after signing in again; check the integration user's API access`,
        );
      }
      if (f.code === 'MULTIPLE_CHOICES') {
        return new FatalError(
          `salesforce ${ctx.object ?? ''} external id matches several records${ctx.referralId ? ` (referral ${ctx.referralId})` : ''}; make the field Unique`,
        );
      }
      return errorFromCode({ code: f.code, message: f.message, fields: f.fields }, ctx);
    case 'other':
      // jsforce's own argument checks and unexpected bugs: a retry would fail the same way.
      return new FatalError(`salesforce: ${scrubText(f.message).slice(0, 300)}`);
  }
}
