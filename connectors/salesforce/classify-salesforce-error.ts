import {
  AuthError,
  FatalError,
  NotFoundError,
  RateLimitedError,
  RetryableError,
  type SyncError,
} from '../../src/errors.ts';
import { scrubText } from '../../src/log/logger.ts';
import { SalesforceValidationError } from './salesforce-validation-error.ts';

/*
 * Salesforce error codes -> our error family. Pure; table-tested in
 * classify-salesforce-error.test.ts. Codes: REST API "Status Codes and Error Responses"
 * (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm) and
 * the SOAP API's StatusCode enum, which REST reuses.
 */

type Verdict = 'retry' | 'rate' | 'validation' | 'auth' | 'not-found' | 'fatal';

const EXACT: Record<string, Verdict> = {
  UNABLE_TO_LOCK_ROW: 'retry',
  SERVER_UNAVAILABLE: 'retry',
  UNKNOWN_EXCEPTION: 'retry',
  QUERY_TIMEOUT: 'retry',
  REQUEST_RUNNING_TOO_LONG: 'retry',
  // Upsert race: two callers created the same external id at once; the next upsert updates.
  DUPLICATE_VALUE: 'retry',
  // Collections with allOrNone: this record was fine, another one failed.
  ALL_OR_NONE_OPERATION_ROLLED_BACK: 'retry',
  REQUEST_LIMIT_EXCEEDED: 'rate',
  TOO_MANY_ENUM_VALUE: 'validation',
  REQUIRED_FIELD_MISSING: 'validation',
  FIELD_CUSTOM_VALIDATION_EXCEPTION: 'validation',
  FIELD_INTEGRITY_EXCEPTION: 'validation',
  FIELD_FILTER_VALIDATION_EXCEPTION: 'validation',
  INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST: 'validation',
  STRING_TOO_LONG: 'validation',
  NUMBER_OUTSIDE_VALID_RANGE: 'validation',
  INVALID_EMAIL_ADDRESS: 'validation',
  INVALID_CROSS_REFERENCE_KEY: 'validation',
  INVALID_CURRENCY_ISO: 'validation',
  INVALID_ID_FIELD: 'validation',
  MALFORMED_ID: 'validation',
  MALFORMED_QUERY: 'validation',
  JSON_PARSER_ERROR: 'validation',
  MISSING_ARGUMENT: 'validation',
  DUPLICATE_EXTERNAL_ID: 'validation',
  DUPLICATES_DETECTED: 'validation',
  CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY: 'validation',
  INVALID_SESSION_ID: 'auth',
  INVALID_AUTH_HEADER: 'auth',
  INSUFFICIENT_ACCESS: 'auth',
  INSUFFICIENT_ACCESS_OR_READONLY: 'auth',
  INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY: 'auth',
  API_DISABLED_FOR_ORG: 'auth',
  API_CURRENTLY_DISABLED: 'auth',
  NOT_FOUND: 'not-found',
  ENTITY_IS_DELETED: 'not-found',
};

/** Families: INVALID_FIELD, INVALID_FIELD_FOR_INSERT_UPDATE, INVALID_TYPE_ON_FIELD_IN_RECORD... */
const PREFIXES: [string, Verdict][] = [
  ['INVALID_FIELD', 'validation'],
  ['INVALID_TYPE', 'validation'],
  ['INVALID_QUERY', 'validation'],
];

/** Codes that describe the whole call, not one record: a single-record write throws these. */
const CALL_LEVEL = new Set([
  'INVALID_SESSION_ID',
  'INVALID_AUTH_HEADER',
  'SERVER_UNAVAILABLE',
  'UNKNOWN_EXCEPTION',
  'REQUEST_LIMIT_EXCEEDED',
  'API_DISABLED_FOR_ORG',
  'API_CURRENTLY_DISABLED',
  'NOT_FOUND',
  'MULTIPLE_API_ERRORS',
  'REQUEST_RUNNING_TOO_LONG',
]);

/**
 * REQUEST_LIMIT_EXCEEDED is either the concurrent long-request limit (clears in seconds to
 * minutes) or the rolling 24 h API quota (clears in hours). A few minutes serves the first
 * without hammering the second; pausing the queue for a spent quota is the worker's call.
 */
export const REQUEST_LIMIT_RETRY_MS = 5 * 60_000;

function verdictFor(code: string | undefined): Verdict {
  if (code === undefined) return 'fatal';
  const exact = EXACT[code];
  if (exact) return exact;
  return PREFIXES.find(([p]) => code.startsWith(p))?.[1] ?? 'fatal';
}

/** True when a single-record write should report `code` in the record's result, not throw. */
export function isRecordLevelCode(code: string | undefined): boolean {
  return code !== undefined && !CALL_LEVEL.has(code) && !code.startsWith('ERROR_HTTP_');
}

export interface ErrorContext {
  /** The sObject the call was about (Opportunity, Account, Task). */
  object?: string | undefined;
  referralId?: string | undefined;
}

export interface SalesforceErrorInfo {
  code: string | undefined;
  message: string | undefined;
  fields: string[];
}

/**
 * Salesforce messages that quote the rejected value, e.g. STRING_TOO_LONG's
 * `Name: data value too large: <value> (max length=120)`. The value is customer data and must
 * not reach logs, parking reasons or the dashboard (issue 14); the field and the limit stay.
 */
const ECHO_MARKERS = ['data value too large: ', 'bad value for restricted picklist field: ', 'invalid email address: '];

function hideEchoedValue(message: string): string {
  const lower = message.toLowerCase();
  for (const marker of ECHO_MARKERS) {
    const at = lower.indexOf(marker);
    if (at < 0) continue;
    const start = at + marker.length;
    // The last one: a value may itself contain the text of the suffix.
    const limit = message.lastIndexOf(' (max length=');
    return `${message.slice(0, start)}[value hidden]${limit >= start ? message.slice(limit) : ''}`;
  }
  return message;
}

/** Builds our error for a Salesforce error code; `message` is Salesforce's (no credentials). */
export function errorFromCode(info: SalesforceErrorInfo, ctx: ErrorContext = {}): SyncError {
  const code = info.code ?? 'UNKNOWN_ERROR';
  const sfMessage = scrubText(hideEchoedValue(info.message ?? '')).slice(0, 500);
  const fieldList = info.fields.length > 0 ? ` [${info.fields.join(', ')}]` : '';
  const about = ctx.referralId ? ` (referral ${ctx.referralId})` : '';
  const message = `salesforce ${ctx.object ? `${ctx.object} ` : ''}${code}${fieldList}${about}${sfMessage ? `: ${sfMessage}` : ''}`;
  switch (verdictFor(info.code)) {
    case 'retry':
      return new RetryableError(message);
    case 'rate':
      return new RateLimitedError(message, { retryAfterMs: REQUEST_LIMIT_RETRY_MS });
    case 'validation':
      return new SalesforceValidationError(message, code, info.fields, sfMessage);
    case 'auth':
      return new AuthError(message);
    case 'not-found':
      return new NotFoundError(message);
    case 'fatal':
      return new FatalError(message);
  }
}

/**
 * One failed item of a save result (`errors[]` of sObject Collections or a single write).
 * Collections put the code in `statusCode`; jsforce's types and REST errors say `errorCode`:
 * both are read.
 */
export function classifyRecordError(item: unknown, ctx: ErrorContext = {}): SyncError {
  return errorFromCode(readErrorItem(item), ctx);
}

export function readErrorItem(item: unknown): SalesforceErrorInfo {
  const o = typeof item === 'object' && item !== null ? (item as Record<string, unknown>) : {};
  const pick = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);
  const code = pick(o.errorCode) ?? pick(o.statusCode);
  const fields = Array.isArray(o.fields) ? o.fields.filter((f): f is string => typeof f === 'string') : [];
  return { code, message: pick(o.message), fields };
}
