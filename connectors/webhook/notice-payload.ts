import type { OpsNotice } from '../../src/health/ops-notice.ts';
import type { WebhookFormat } from './webhook-payload.ts';
import { teamsMessage } from './teams-payload.ts';

/*
 * An ops notice in each webhook format, the same envelopes as the expiry alerts (see
 * slack-payload.ts and teams-payload.ts for the formats' sources): JSON under its own type,
 * Slack as text with a context line for the key, Teams as an Adaptive Card 1.4 message.
 */
export function buildNoticePayload(format: WebhookFormat, n: OpsNotice): unknown {
  switch (format) {
    case 'json':
      return { type: 'referral-sync.ops-notice', version: 1, idempotencyKey: n.idempotencyKey, notice: n };
    case 'slack':
      return {
        text: n.title,
        blocks: [
          { type: 'section', text: { type: 'plain_text', text: `${n.title}\n${n.text}` } },
          { type: 'context', elements: [{ type: 'plain_text', text: `${n.at} · key ${n.idempotencyKey}` }] },
        ],
        metadata: {
          event_type: 'referral_sync_ops_notice',
          event_payload: { kind: n.kind, idempotency_key: n.idempotencyKey },
        },
      };
    case 'teams':
      return teamsMessage([
        { type: 'TextBlock', text: n.title, weight: 'Bolder', size: 'Medium', wrap: true, color: 'Attention' },
        { type: 'TextBlock', text: n.text, wrap: true },
        {
          type: 'TextBlock',
          id: 'idempotencyKey',
          text: `${n.at} · key ${n.idempotencyKey}`,
          size: 'Small',
          isSubtle: true,
          wrap: true,
        },
      ]);
  }
}
