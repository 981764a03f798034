import type { ExpiryAlert } from '../../src/expiry/alert.ts';
import { toSlackPayload } from './slack-payload.ts';
import { toTeamsPayload } from './teams-payload.ts';

/** Which body the webhook URL expects; set by config (e.g. EXPIRY_WEBHOOK_FORMAT). */
export const WEBHOOK_FORMATS = ['slack', 'teams', 'json'] as const;
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];

/**
 * Our own shape for any other receiver (Power Automate, n8n, a custom endpoint): the alert's
 * fields under a versioned envelope, so a receiver can tell a future change apart. The
 * idempotency key sits at the top (and in `alert`): a receiver drops a post whose key it has
 * seen. Adding it kept version 1, since no existing field changed.
 */
interface JsonAlertPayload {
  type: 'referral-sync.expiry-alert';
  version: 1;
  idempotencyKey: string;
  alert: ExpiryAlert;
}

const toJsonPayload = (alert: ExpiryAlert): JsonAlertPayload => ({
  type: 'referral-sync.expiry-alert',
  version: 1,
  idempotencyKey: alert.idempotencyKey,
  alert,
});

/** Pure: the request body for `format`. */
export function buildWebhookPayload(format: WebhookFormat, alert: ExpiryAlert): unknown {
  switch (format) {
    case 'slack':
      return toSlackPayload(alert);
    case 'teams':
      return toTeamsPayload(alert);
    case 'json':
      return toJsonPayload(alert);
  }
}
