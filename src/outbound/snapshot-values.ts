import { z } from 'zod';
import type { CrmSnapshot } from './crm-snapshot.ts';
import type { EditField } from './outbound-rules.ts';

/*
 * The echo-loop guard (docs/salesforce-api.md, "Echo loops"): the snapshot reduced to the values outbound sync acts on,
 * normalised so that cosmetic differences (case of a currency, order of team members, blank vs
 * null) are not read as changes. Per referral we keep `lastPushed`: these values as last pushed
 * to Partner Center or last written into the CRM by inbound sync. A key that is absent there is
 * treated as changed, which is how a decision that is only partly applied (accept now, Won next)
 * stays pending.
 */

export const SnapshotValues = z.object({
  decision: z.enum(['accept', 'decline']).nullable(),
  declineReason: z.string().nullable(),
  lostReason: z.string().nullable(),
  stage: z.string().nullable(),
  outcome: z.enum(['open', 'won', 'lost']),
  name: z.string().nullable(),
  dealValue: z.number().nullable(),
  currency: z.string().nullable(),
  closeDate: z.string().nullable(),
  notes: z.string().nullable(),
  campaignId: z.string().nullable(),
  /** Lower-cased e-mails of the team contacts, sorted and de-duplicated. */
  team: z.array(z.string()),
});
export type SnapshotValues = z.infer<typeof SnapshotValues>;

/** What is stored per referral (Redis); parse it with this schema when reading it back. */
export const PushedValues = SnapshotValues.partial();
export type PushedValues = z.infer<typeof PushedValues>;

export type ValueKey = keyof SnapshotValues;

/** Which value key carries each editable field. */
export const VALUE_KEY_OF: Readonly<Record<EditField, ValueKey>> = {
  name: 'name',
  dealValue: 'dealValue',
  currency: 'currency',
  closingDateTime: 'closeDate',
  notes: 'notes',
  campaignId: 'campaignId',
  team: 'team',
};

const text = (s: string | null): string | null => {
  const t = s?.trim();
  return t ? t : null;
};

export const emailKey = (email: string): string => email.trim().toLowerCase();

export function valuesOf(s: CrmSnapshot): SnapshotValues {
  return {
    decision: s.decision,
    declineReason: text(s.declineReason),
    lostReason: text(s.lostReason),
    stage: text(s.stage),
    outcome: s.isClosed ? (s.isWon ? 'won' : 'lost') : 'open',
    name: text(s.name),
    dealValue: s.dealValue,
    currency: text(s.currency)?.toUpperCase() ?? null,
    closeDate: s.closeDate,
    notes: text(s.notes),
    campaignId: text(s.campaignId),
    team: [...new Set(s.teamContacts.map((c) => emailKey(c.email)))].sort(),
  };
}

function same(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => x === b[i]);
  return a === b;
}

/** Keys whose value differs from lastPushed, or that lastPushed does not hold. */
export function changedKeys(values: SnapshotValues, lastPushed: PushedValues | null): Set<ValueKey> {
  const keys = Object.keys(values) as ValueKey[];
  return new Set(keys.filter((k) => lastPushed?.[k] === undefined || !same(values[k], lastPushed[k])));
}

/** The values without some keys, so those keys stay "changed" on the next decision. */
export function omitValues(values: SnapshotValues, keys: readonly ValueKey[]): PushedValues {
  const out: PushedValues = { ...values };
  for (const k of keys) delete out[k];
  return out;
}

export function pickValues(values: SnapshotValues, keys: readonly ValueKey[]): PushedValues {
  return Object.fromEntries(keys.map((k) => [k, values[k]])) as PushedValues;
}

/** What to store after a push, refusal or inbound write: field-wise, newest wins. */
export function mergePushed(lastPushed: PushedValues | null, next: PushedValues): PushedValues {
  return { ...lastPushed, ...next };
}
