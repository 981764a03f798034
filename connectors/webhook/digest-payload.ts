import type { FailureDigest, FailureEvent, FailureKind } from '../../src/alerts/failure-digest.ts';
import type { WebhookFormat } from './webhook-payload.ts';
import { teamsMessage } from './teams-payload.ts';

/*
 * A failure digest (issue 18) in each alert webhook format, in the same envelopes as the expiry
 * alerts and the ops notice: JSON under its own versioned type, Slack as plain text blocks (no
 * mrkdwn, so nothing in a line can become a link), Teams as an Adaptive Card 1.4 message with
 * an "Open dashboard" button. Links are built from DASHBOARD_PUBLIC_URL when it is set.
 */

const HEADINGS: Record<FailureKind, string> = {
  parked: 'Parked referrals (need a human)',
  credentials: 'Connections paused: sign-in failing',
  'state-loss': 'Redis lost its data',
  stuck: 'Queues stuck',
  throttled: 'Rate limited (429) repeatedly',
};

export interface DigestLinks {
  /** DASHBOARD_PUBLIC_URL without a trailing slash; null: no links. */
  dashboardUrl: string | null;
}

const linkOf = (links: DigestLinks, e: Pick<FailureEvent, 'path'>): string | null =>
  links.dashboardUrl === null ? null : `${links.dashboardUrl}${e.path ?? '/'}`;

const total = (d: FailureDigest) => d.sections.reduce((n, s) => n + s.count, 0);
const title = (d: FailureDigest) =>
  `referral-sync: ${total(d)} new failure${total(d) === 1 ? '' : 's'} (${d.sections.map((s) => s.kind).join(', ')})`;
const line = (e: FailureEvent) => `${e.subject}: ${e.detail} (${e.at})`;
const more = (s: FailureDigest['sections'][number]) =>
  s.count > s.items.length ? [`… and ${s.count - s.items.length} more on the dashboard`] : [];

/** Teams renders TextBlock text as Markdown: escape what opens a link, emphasis or code. */
const escapeMarkdown = (s: string): string => s.replace(/[\\`*_~[\]]/g, (c) => `\\${c}`);

export function buildDigestPayload(format: WebhookFormat, d: FailureDigest, links: DigestLinks): unknown {
  switch (format) {
    case 'json':
      return {
        type: 'referral-sync.failure-digest',
        version: 1,
        idempotencyKey: d.id,
        digest: {
          at: d.at,
          dashboardUrl: links.dashboardUrl,
          sections: d.sections.map((s) => ({
            kind: s.kind,
            count: s.count,
            items: s.items.map((e) => ({
              key: e.key,
              subject: e.subject,
              detail: e.detail,
              at: e.at,
              link: linkOf(links, e),
            })),
          })),
        },
      };
    case 'slack':
      return {
        text: title(d),
        blocks: [
          { type: 'header', text: { type: 'plain_text', text: title(d).slice(0, 150) } },
          ...d.sections.map((s) => ({
            type: 'section',
            text: {
              type: 'plain_text',
              text: [`${HEADINGS[s.kind]}: ${s.count}`, ...s.items.map((e) => `• ${line(e)}`), ...more(s)]
                .join('\n')
                .slice(0, 3000),
            },
          })),
          ...(links.dashboardUrl
            ? [
                {
                  type: 'actions',
                  elements: [
                    { type: 'button', text: { type: 'plain_text', text: 'Open dashboard' }, url: links.dashboardUrl },
                  ],
                },
              ]
            : []),
          { type: 'context', elements: [{ type: 'plain_text', text: `${d.at} · key ${d.id}` }] },
        ],
        metadata: { event_type: 'referral_sync_failure_digest', event_payload: { idempotency_key: d.id } },
      };
    case 'teams':
      return teamsMessage(
        [
          { type: 'TextBlock', text: title(d), weight: 'Bolder', size: 'Medium', wrap: true, color: 'Attention' },
          ...d.sections.flatMap((s) => [
            { type: 'TextBlock', text: `${HEADINGS[s.kind]}: ${s.count}`, weight: 'Bolder', wrap: true },
            {
              type: 'TextBlock',
              text: [...s.items.map((e) => `- ${escapeMarkdown(line(e))}`), ...more(s)].join('\n'),
              wrap: true,
            },
          ]),
          { type: 'TextBlock', id: 'idempotencyKey', text: `${d.at} · key ${d.id}`, size: 'Small', isSubtle: true },
        ],
        links.dashboardUrl ? [{ type: 'Action.OpenUrl', title: 'Open dashboard', url: links.dashboardUrl }] : undefined,
      );
  }
}
