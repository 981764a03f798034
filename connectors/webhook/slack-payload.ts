import type { ExpiryAlert } from '../../src/expiry/alert.ts';
import { alertHeading } from './alert-heading.ts';

/*
 * Slack incoming webhook body: `{ text, blocks }` (docs.slack.dev, "Sending messages using
 * incoming webhooks"). With blocks present, `text` is the fallback shown in notifications.
 * Both are mrkdwn, so user text is escaped as Slack asks: &, < and > only ("Formatting text
 * for app surfaces", escaping). No buttons: a button in a webhook message needs an app with
 * interactivity configured, a mrkdwn link does not.
 */

export interface SlackPayload {
  text: string;
  blocks: unknown[];
}

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
  return {
    text: esc(alert.title),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: clip(alertHeading(alert), 150) } },
      { type: 'section', text: { type: 'mrkdwn', text: clip(`*${esc(alert.dealName)}*`, 2000) }, fields },
      { type: 'context', elements: [{ type: 'mrkdwn', text: context.join('  ·  ') }] },
    ],
  };
}
