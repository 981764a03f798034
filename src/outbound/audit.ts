import { z } from 'zod';
import type { Referral } from '../domain/referral.ts';
import type { OutboundDecision } from './outbound-decision.ts';
import { stateLabel } from './state-machine.ts';

/*
 * The audit trail of issue 4: every decision pushed, refused, held or in conflict, per referral,
 * for the dashboard and `referral-sync history REFERRAL_ID`. Stored (bounded) by the caller.
 */

export const AuditEntry = z.object({
  /** ISO 8601 UTC. */
  at: z.iso.datetime({ offset: true }),
  referralId: z.string().min(1),
  /** Where the change came from: the partner in the CRM, or Partner Center / Microsoft. */
  side: z.enum(['crm', 'partner-center']),
  /** accept, decline, won, lost, edit (…), or an inbound change such as "expired". */
  action: z.string().min(1),
  from: z.string(),
  to: z.string(),
  result: z.enum(['pushed', 'refused', 'held', 'conflict']),
  reason: z.string().optional(),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

/** `edit (name, dealValue)` from the patch paths; the intent alone for status moves. */
function actionOf(intent: string, paths: readonly string[]): string {
  if (intent !== 'edit') return intent;
  const names = [...new Set(paths.map((p) => p.replace(/^\/(details\/)?/, '').replace(/\/-$/, '')))];
  return `edit (${names.join(', ')})`;
}

/** The audit entry for an outbound decision; null for `none` (nothing happened). */
export function auditOf(decision: OutboundDecision, at: Date, referral: Referral): AuditEntry | null {
  const base = { at: at.toISOString(), referralId: referral.id, side: 'crm' as const, from: stateLabel(referral) };
  switch (decision.kind) {
    case 'none':
      return null;
    case 'push':
      return {
        ...base,
        action: actionOf(
          decision.intent,
          decision.ops.map((o) => o.path),
        ),
        to: decision.to,
        result: 'pushed',
      };
    case 'refuse':
      return { ...base, action: decision.intent, to: base.from, result: 'refused', reason: decision.reason };
    case 'hold':
      return { ...base, action: decision.intent, to: base.from, result: 'held', reason: decision.reason };
  }
}

const stamp = (iso: string): string => {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? iso : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
};

/**
 * One line per entry, oldest first, columns aligned:
 * `2025-03-04T10:00:00Z  crm  pushed   accept  New/Pending -> Active/Accepted`, reason last.
 */
export function formatHistory(entries: readonly AuditEntry[]): string {
  if (entries.length === 0) return '(no history)';
  const sorted = [...entries].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  const rows = sorted.map((e) => [stamp(e.at), e.side, e.result, e.action, `${e.from} -> ${e.to}`, e.reason ?? '']);
  const widths = [0, 1, 2, 3, 4].map((i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r) =>
      r
        .map((cell, i) => (i < widths.length ? cell.padEnd(widths[i] ?? 0) : cell))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
