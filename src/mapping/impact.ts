import type { Referral } from '../domain/referral.ts';
import type { FieldValue } from '../ports/crm.ts';
import { mapReferral, type Deployment } from './preview.ts';
import type { Mapping } from './schema.ts';

/*
 * The impact of a new mapping version over every stored referral (issue 17): a dry run of both
 * versions, no CRM call. Counts what the next sync of each referral would write differently.
 */

export interface MappingImpact {
  referrals: number;
  /** Opportunities whose mapped values (or CRM) differ between the versions. */
  changed: number;
  /** Per CRM field: how many opportunities get another value for it (or lose it). */
  fields: Record<string, number>;
  /** Routed to another CRM than under the version in force. */
  rerouted: number;
  /** Would be parked under the new version (a mapping error). */
  parked: number;
  /** Parked under the version in force, mapped under the new one. */
  fixed: number;
  /** The most frequent park reasons, most frequent first (referral ids stripped). */
  reasons: { reason: string; count: number }[];
}

const sameValue = (a: FieldValue | undefined, b: FieldValue | undefined) => a === b;

/** `referral <id>: ` is left out so that one reason counts once across referrals. */
const reasonOf = (message: string): string => message.replace(/^referral \S+: /, '');

export function mappingImpact(
  referrals: Iterable<Referral>,
  now: Date,
  before: Mapping,
  after: Mapping,
  d: Deployment,
  topReasons = 5,
): MappingImpact {
  const out: MappingImpact = { referrals: 0, changed: 0, fields: {}, rerouted: 0, parked: 0, fixed: 0, reasons: [] };
  const reasons = new Map<string, number>();
  for (const referral of referrals) {
    out.referrals += 1;
    const a = mapReferral(after, referral, now, d);
    const b = mapReferral(before, referral, now, d);
    if (!a.ok) {
      out.parked += 1;
      const r = reasonOf(a.error);
      reasons.set(r, (reasons.get(r) ?? 0) + 1);
      continue;
    }
    if (!b.ok) {
      out.fixed += 1;
      continue;
    }
    if (a.route.crm !== b.route.crm) {
      out.rerouted += 1;
      out.changed += 1;
      continue;
    }
    const names = new Set([...Object.keys(a.draft.fields), ...Object.keys(b.draft.fields)]);
    const differing = [...names].filter((n) => !sameValue(a.draft.fields[n], b.draft.fields[n]));
    if (differing.length === 0) continue;
    out.changed += 1;
    for (const n of differing) out.fields[n] = (out.fields[n] ?? 0) + 1;
  }
  out.reasons = [...reasons.entries()]
    .sort((x, y) => y[1] - x[1])
    .slice(0, topReasons)
    .map(([reason, count]) => ({ reason, count }));
  return out;
}
