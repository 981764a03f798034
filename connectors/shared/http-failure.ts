import { isAxiosError } from 'axios';
import { classifyHttpFailure, type HttpFailure } from '../../src/errors-classify.ts';
import { SyncError } from '../../src/errors.ts';
import { scrubText } from '../../src/log/logger.ts';

export interface FailureContext {
  /** Which remote: 'partner-center', 'dynamics', ... */
  remote: string;
  /** The referral the call was about (names it in 412 conflicts and messages). */
  referralId?: string | undefined;
}

/**
 * Longest remote message we keep; Partner API messages are ≤ 1024 chars (docs/partner-center-referrals-api.md,
 * "Errors and request headers").
 */
const MAX_MESSAGE = 300;

/**
 * Reads the few whitelisted facts off a thrown value (status, Retry-After, network code, the
 * remote's error code and message). Nothing else leaves: an AxiosError holds the bearer token
 * in `config`, `request` and `response.config` (STYLE §4), so it is never kept or returned.
 */
export function toHttpFailure(err: unknown, ctx: FailureContext): HttpFailure {
  const failure: HttpFailure = { remote: ctx.remote, referralId: ctx.referralId };
  if (isAxiosError(err)) {
    const res = err.response;
    if (res === undefined) {
      // No response: axios' message is about the socket ("timeout of 30000ms exceeded").
      failure.networkCode = err.code;
      failure.remoteMessage = messageOf(err);
      return failure;
    }
    failure.status = res.status;
    failure.retryAfter = headerValue(res.headers, 'retry-after');
    const remote = remoteError(res.data);
    failure.remoteCode = remote.code;
    failure.remoteMessage = remote.message;
    return failure;
  }
  if (typeof err === 'object' && err !== null) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string') failure.networkCode = code;
  }
  failure.remoteMessage = messageOf(err);
  return failure;
}

/**
 * The same facts from a response a plain node:http client read (connectors/shared/keep-alive-http.ts):
 * status, Retry-After, and the remote's error code and message from the body.
 */
export function responseFailure(
  status: number,
  retryAfter: string | string[] | undefined,
  body: string,
  ctx: FailureContext,
): HttpFailure {
  const remote = remoteError(body);
  return {
    remote: ctx.remote,
    referralId: ctx.referralId,
    status,
    retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
    remoteCode: remote.code,
    remoteMessage: remote.message,
  };
}

const messageOf = (err: unknown): string | undefined =>
  err instanceof Error && err.message !== '' ? scrubText(err.message).slice(0, MAX_MESSAGE) : undefined;

/** Any thrown value → our error family. A SyncError passes through unchanged. */
export function toSyncError(err: unknown, ctx: FailureContext, now: Date = new Date()): SyncError {
  if (err instanceof SyncError) return err;
  return classifyHttpFailure(toHttpFailure(err, ctx), now);
}

/** axios gives an AxiosHeaders instance; nock and adapters may give a plain object. */
function headerValue(headers: unknown, name: string): string | undefined {
  if (typeof headers !== 'object' || headers === null) return undefined;
  const getter = (headers as { get?: unknown }).get;
  let value: unknown =
    typeof getter === 'function' ? (getter as (n: string) => unknown).call(headers, name) : undefined;
  if (value === undefined || value === null) {
    const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
    value = key === undefined ? undefined : (headers as Record<string, unknown>)[key];
  }
  if (Array.isArray(value)) value = value[0];
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}

/**
 * The Partner API body is `{"error":{"code","message"}}`; api.partnercenter.microsoft.com uses a
 * flat `{code, description}` (docs/partner-center-referrals-api.md, "Errors and request headers"). A body that is
 * neither yields nothing: bodies are
 * never echoed into errors.
 */
function remoteError(data: unknown): { code?: string | undefined; message?: string | undefined } {
  let body = data;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body) as unknown;
    } catch {
      return {};
    }
  }
  if (typeof body !== 'object' || body === null || Buffer.isBuffer(body)) return {};
  const nested = (body as { error?: unknown }).error;
  const source = (typeof nested === 'object' && nested !== null ? nested : body) as Record<string, unknown>;
  const code = typeof source.code === 'string' || typeof source.code === 'number' ? String(source.code) : undefined;
  const text =
    typeof source.message === 'string'
      ? source.message
      : typeof source.description === 'string'
        ? source.description
        : undefined;
  return { code: code?.slice(0, 100), message: text === undefined ? undefined : scrubText(text).slice(0, MAX_MESSAGE) };
}
