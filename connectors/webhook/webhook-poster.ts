import axios, { type AxiosInstance } from 'axios';
import type { ExpiryAlert } from '../../src/expiry/alert.ts';
import { FatalError, type SyncError } from '../../src/errors.ts';
import { classifyHttpFailure } from '../../src/errors-classify.ts';
import { buildWebhookPayload, type WebhookFormat } from './webhook-payload.ts';
import { buildNoticePayload } from './notice-payload.ts';
import type { OpsNotice } from '../../src/health/ops-notice.ts';
import type { FailureDigest } from '../../src/alerts/failure-digest.ts';
import { buildDigestPayload, type DigestLinks } from './digest-payload.ts';

export interface WebhookPosterOptions {
  /** The incoming-webhook URL. Slack and Teams URLs embed their secret: treat it as one. */
  url: string;
  format: WebhookFormat;
  /** Per request; a hung receiver must not hold a queue worker. Default 10 s. */
  timeoutMs?: number | undefined;
  /** For tests or a shared agent; a plain instance by default. */
  http?: AxiosInstance | undefined;
}

export interface WebhookPoster {
  /** One POST. Throws RetryableError (5xx, 429, timeout, network) or FatalError (other 4xx). */
  post(alert: ExpiryAlert): Promise<void>;
  /** One POST of an ops notice (e.g. Redis lost its data), same headers and errors. */
  postNotice(notice: OpsNotice): Promise<void>;
  /** One POST of a failure digest (issue 18), same headers and errors; the digest id is the key. */
  postDigest(digest: FailureDigest, links: DigestLinks): Promise<void>;
}

/** Slack answers errors with a short token body (`invalid_payload`, `channel_not_found`); keep only that. */
const SHORT_CODE = /^[a-z_]{1,64}$/;

/**
 * Posts alerts over axios. No retries here: the webhook queue's BullMQ attempts and backoff do
 * them, and its own queue keeps a failing webhook from holding up CRM updates.
 */
export function createWebhookPoster(options: WebhookPosterOptions): WebhookPoster {
  if (!/^https?:$/.test(safeProtocol(options.url))) {
    throw new FatalError('expiry webhook URL must be an absolute http(s) URL');
  }
  const http = options.http ?? axios.create();
  const timeout = options.timeoutMs ?? 10_000;
  const send = async (body: unknown, key: string, referralId: string) => {
    try {
      await http.post(options.url, body, {
        timeout,
        // Every format also carries the key in a header, for receivers that de-duplicate
        // before parsing: `Idempotency-Key` as the IETF httpapi draft names it, and the
        // X- form that many webhook tools look for.
        headers: { 'Content-Type': 'application/json', 'Idempotency-Key': key, 'X-Idempotency-Key': key },
        // A redirect would resend the alert elsewhere; receivers answer directly.
        maxRedirects: 0,
        validateStatus: (s) => s >= 200 && s < 300,
      });
    } catch (err) {
      throw toWebhookError(err, referralId);
    }
  };
  return {
    post: (alert) => send(buildWebhookPayload(options.format, alert), alert.idempotencyKey, alert.referralId),
    postNotice: (notice) => send(buildNoticePayload(options.format, notice), notice.idempotencyKey, 'ops-notice'),
    postDigest: (digest, links) => send(buildDigestPayload(options.format, digest, links), digest.id, 'failure-digest'),
  };
}

function safeProtocol(url: string): string {
  try {
    return new URL(url).protocol;
  } catch {
    return '';
  }
}

/**
 * The raw axios error is dropped, never chained as `cause`: its config holds the URL, which is
 * the webhook's secret. Only status, Retry-After, a network code and a short remote code pass.
 */
function toWebhookError(err: unknown, referralId: string, now: Date = new Date()): SyncError {
  if (!axios.isAxiosError(err))
    return classifyHttpFailure({ remote: 'webhook', networkCode: 'UNKNOWN', referralId }, now);
  const response = err.response;
  if (!response) {
    // A timeout is ECONNABORTED (or ETIMEDOUT with transitional.clarifyTimeoutError).
    return classifyHttpFailure({ remote: 'webhook', networkCode: err.code, referralId }, now);
  }
  const body: unknown = response.data;
  const retryAfter: unknown = response.headers['retry-after'];
  return classifyHttpFailure(
    {
      remote: 'webhook',
      status: response.status,
      retryAfter: typeof retryAfter === 'string' ? retryAfter : undefined,
      remoteCode: typeof body === 'string' && SHORT_CODE.test(body.trim()) ? body.trim() : undefined,
      referralId,
    },
    now,
  );
}
