import type { ExpiryAlert } from '../../src/expiry/alert.ts';
import { alertHeading } from './alert-heading.ts';

/*
 * Slack incoming webhook body: `{ text, blocks }` (docs.slack.dev, "Sending messages using
 * incoming webhooks"). With blocks present, `text` is the fallback shown in notifications.
 * Both are mrkdwn, so user text is escaped as Slack asks: &, < and > only ("Formatting text
 * for app surfaces", escaping). No buttons: a button in a webhook message needs an app with
 * interactivity configured, a mrkdwn link does not.
 *
 * The alert's idempotency key (issue 12) goes twice: in the context line, where a person or a
 * workflow reading the channel sees it, and as message metadata (`event_type` + `event_payload`,
 * the shape Slack's own incoming-webhook client sends), for an app subscribed to metadata events.
 */

export interface SlackPayload {
  text: string;
  blocks: unknown[];
  metadata: { event_type: string; event_payload: Record<string, string> };
}

/** Slack wants a short alphanumeric event type; it names our alert kind for metadata subscribers. */
const EVENT_TYPE = 'referral_sync_expiry_alert';

const esc = (s: string): string => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

/** Slack limits: header text 150 characters, a section field 2000. */
const clip = (s: string, max: number): string => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);

export function toSlackPayload(alert: ExpiryAlert): SlackPayload {
  const fields = [
    ['Customer', alert.customerName ?? '(unknown)'],
    [alert.kind === 'contact-me' ? 'Contact by' : 'Deadline', alert.deadlineText],
    ['Time left', alert.timeLeftText],
    ['Level', alert.level],
  ].map(([title, value]) => ({ type: 'mrkdwn', text: clip(`*${title}*\n${esc(value ?? '')}`, 2000) }));
  const context = [`Partner Center referral \`${esc(alert.referralId)}\``];
  if (alert.link) context.push(`<${alert.link}|Open referral>`);
  context.push(`Alert key \`${esc(alert.idempotencyKey)}\``);
  return {
    text: esc(alert.title),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: clip(alertHeading(alert), 150) } },
      { type: 'section', text: { type: 'mrkdwn', text: clip(`*${esc(alert.dealName)}*`, 2000) }, fields },
      { type: 'context', elements: [{ type: 'mrkdwn', text: context.join('  ·  ') }] },
    ],
    metadata: {
      event_type: EVENT_TYPE,
      event_payload: { idempotency_key: alert.idempotencyKey, referral_id: alert.referralId, level: alert.level },
    },
  };
}
