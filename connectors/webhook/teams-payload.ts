import type { ExpiryAlert } from '../../src/expiry/alert.ts';
import { alertHeading } from './alert-heading.ts';

/*
 * Microsoft Teams: an Adaptive Card message, the shape in "Send Adaptive Cards using an
 * Incoming Webhook" (learn.microsoft.com/microsoftteams/platform/webhooks-and-connectors/how-to/
 * connectors-using#send-adaptive-cards-using-an-incoming-webhook):
 * `{ type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', content }] }`.
 * We chose it over the legacy MessageCard because the Workflows app ("When a Teams webhook request
 * is received"), which replaces Office 365 connectors, accepts this shape and not MessageCard.
 * Card version 1.4: the highest that Teams renders everywhere, mobile included.
 *
 * The alert's idempotency key (issue 12) is the card's last line, small and subtle, with the
 * element id `idempotencyKey` so a flow reading the card can find it without parsing text.
 */

export interface TeamsPayload {
  type: 'message';
  attachments: Array<{
    contentType: 'application/vnd.microsoft.card.adaptive';
    contentUrl: null;
    content: Record<string, unknown>;
  }>;
}

/**
 * TextBlock text and FactSet values are Markdown in Teams: a deal typed as
 * `[click](https://evil.example)` rendered as a link in our card (issue 14). A backslash before
 * each character that opens a link, emphasis or code shows it as typed.
 */
const escapeMarkdown = (s: string): string => s.replace(/[\\`*_~[\]]/g, (c) => `\\${c}`);

export function toTeamsPayload(alert: ExpiryAlert): TeamsPayload {
  // Red for the last day, the contact request and expiry; amber for earlier warnings.
  const urgent = alert.kind !== 'warning' || alert.timeLeftMs < 24 * 3_600_000;
  const body: unknown[] = [
    {
      type: 'TextBlock',
      text: alertHeading(alert),
      weight: 'Bolder',
      size: 'Medium',
      wrap: true,
      color: urgent ? 'Attention' : 'Warning',
    },
    { type: 'TextBlock', text: escapeMarkdown(alert.dealName), wrap: true, weight: 'Bolder' },
    {
      type: 'FactSet',
      facts: [
        { title: 'Customer', value: alert.customerName === null ? '(unknown)' : escapeMarkdown(alert.customerName) },
        { title: alert.kind === 'contact-me' ? 'Contact by' : 'Deadline', value: alert.deadlineText },
        { title: 'Time left', value: alert.timeLeftText },
        { title: 'Level', value: alert.level },
        { title: 'Referral', value: alert.referralId },
      ],
    },
    {
      type: 'TextBlock',
      id: 'idempotencyKey',
      text: `Alert key: ${alert.idempotencyKey}`,
      size: 'Small',
      isSubtle: true,
      wrap: true,
    },
  ];
  return teamsMessage(
    body,
    alert.link ? [{ type: 'Action.OpenUrl', title: 'Open referral', url: alert.link }] : undefined,
  );
}

/** The Teams message envelope around an Adaptive Card 1.4 with `body` (and `actions`). */
export function teamsMessage(body: unknown[], actions?: unknown[]): TeamsPayload {
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          body,
          ...(actions ? { actions } : {}),
        },
      },
    ],
  };
}
