import type { Logger } from 'pino';
import type { Clock } from '../../src/ports/clock.ts';
import { isReferralEvent, parseEvent } from '../../src/webhooks/event.ts';
import { referralIdFromResourceUri } from '../../src/webhooks/resource-uri.ts';
import type { RequestHeaders } from '../../src/webhooks/signature-headers.ts';
import { checkFreshness, type FreshnessPolicy } from '../../src/webhooks/staleness.ts';
import type { WebhookVerifier } from '../../connectors/partner-center-webhook/verifier.ts';

export interface WebhookRequest {
  headers: RequestHeaders;
  /** The body exactly as received: the signature covers these bytes, not a re-serialised JSON. */
  rawBody: Uint8Array;
}

export interface WebhookResponse {
  status: 200 | 202 | 400 | 401 | 413 | 503;
  body: {
    status: 'accepted' | 'ignored' | 'rejected' | 'unavailable';
    reason?: string;
    jobId?: string;
    duplicate?: boolean;
  };
}

/** One fetch-and-sync of a referral, keyed by the change it reports. */
export interface FetchRequest {
  referralId: string;
  /** ResourceChangeUtcDate as sent: a redelivered event has the same one, hence the same job id. */
  changedAt: string;
}

export interface WebhookHandlerDeps {
  verify: WebhookVerifier;
  /** Queues the fetch idempotently; `duplicate` when that job id already existed. */
  enqueue: (request: FetchRequest) => Promise<{ jobId: string; duplicate: boolean }>;
  freshness: FreshnessPolicy;
  /** Hosts a ResourceUri may name (default api.partnercenter.microsoft.com). */
  resourceHosts?: readonly string[] | undefined;
  /** Events are about 200 bytes; anything much larger is not one (default 16 KiB). */
  maxBodyBytes?: number | undefined;
  clock: Clock;
  log: Logger;
}

/** Events are about 200 bytes: 16 KiB leaves room for any real one. */
export const WEBHOOK_MAX_BODY_BYTES = 16 * 1024;

const reject = (status: 400 | 401 | 413, reason: string): WebhookResponse => ({
  status,
  body: { status: 'rejected', reason },
});

/**
 * POST from Partner Center. Signature first (401, nothing else is read from an unsigned body),
 * then the event (400 when malformed or stale), then exactly one queued fetch (202). Events we do
 * not act on (test-created, other resources) get 200 so Partner Center stops re-sending them.
 * Framework-free: the HTTP server passes headers and the raw body and sends back what it gets.
 */
export async function handlePartnerCenterWebhook(
  deps: WebhookHandlerDeps,
  req: WebhookRequest,
): Promise<WebhookResponse> {
  const log = deps.log.child({ webhook: 'partner-center' });
  if (req.rawBody.byteLength > (deps.maxBodyBytes ?? WEBHOOK_MAX_BODY_BYTES))
    return reject(413, 'body too large for a Partner Center event');

  const verified = await deps.verify(req.headers, req.rawBody);
  if (!verified.ok) {
    log.warn({ reason: verified.reason, status: verified.status }, 'webhook refused: signature not verified');
    if (verified.status === 503)
      return { status: 503, body: { status: 'unavailable', reason: 'signing certificate unavailable; retry later' } };
    return reject(401, 'signature verification failed');
  }

  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(req.rawBody);
  } catch {
    return reject(400, 'body is not UTF-8');
  }
  const parsed = parseEvent(text);
  if (!parsed.ok) {
    log.warn({ reason: parsed.reason }, 'webhook refused: malformed event');
    return reject(400, parsed.reason);
  }
  const event = parsed.event;
  if (!isReferralEvent(event.EventName)) {
    log.info({ eventName: event.EventName }, 'webhook event ignored (not a referral event)');
    return {
      status: 200,
      body: { status: 'ignored', reason: `event ${event.EventName.slice(0, 100)} is not handled` },
    };
  }
  const id = referralIdFromResourceUri(event.ResourceUri, deps.resourceHosts);
  if (!id.ok) {
    log.warn({ reason: id.reason, eventName: event.EventName }, 'webhook refused: bad ResourceUri');
    return reject(400, id.reason);
  }
  const fresh = checkFreshness(event.ResourceChangeUtcDate, deps.clock.now(), deps.freshness);
  if (!fresh.ok) {
    log.warn({ reason: fresh.reason, referralId: id.referralId }, 'webhook refused: stale or replayed event');
    return reject(400, fresh.reason);
  }

  try {
    const queued = await deps.enqueue({ referralId: id.referralId, changedAt: event.ResourceChangeUtcDate });
    log.info(
      { referralId: id.referralId, eventName: event.EventName, jobId: queued.jobId, duplicate: queued.duplicate },
      'webhook: referral fetch queued',
    );
    return { status: 202, body: { status: 'accepted', jobId: queued.jobId, duplicate: queued.duplicate } };
  } catch (err) {
    // Redis is down: 503 makes Partner Center deliver again (10 attempts, docs/partner-center-webhooks.md, "Delivery
    // and retries").
    log.error({ err, referralId: id.referralId }, 'webhook: could not queue the referral fetch');
    return { status: 503, body: { status: 'unavailable', reason: 'could not queue the event; retry later' } };
  }
}
