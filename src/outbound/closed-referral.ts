import type { Referral } from '../domain/referral.ts';
import type { TeamContact } from './crm-snapshot.ts';
import { fieldOps } from './field-ops.ts';
import { refuse, type OutboundIntent, type RefuseDecision } from './outbound-decision.ts';
import { EDIT_FIELDS, type OutboundRules } from './outbound-rules.ts';
import { VALUE_KEY_OF, type SnapshotValues, type ValueKey } from './snapshot-values.ts';
import { stateLabel } from './state-machine.ts';

export interface ClosedInput {
  referral: Referral;
  values: SnapshotValues;
  changed: ReadonlySet<ValueKey>;
  rules: OutboundRules;
  snapshot: { teamContacts: readonly TeamContact[] };
}

/** Substatuses an opportunity closed as Lost agrees with: none of them is a Won. */
const NOT_WON = new Set(['Lost', 'Declined', 'Expired', 'Error']);

/**
 * A Closed referral takes no more changes (docs/partner-center-referrals-api.md, "Status and substatus"). Changes in
 * the CRM that agree with it
 * (an opportunity closed Lost after the decline, a Won already recorded) are not refused; anything
 * that would need a patch is, with the reason shown on the opportunity. Null: nothing to say.
 */
export function closedRefusal(input: ClosedInput): RefuseDecision | null {
  const { referral: r, values: v, changed } = input;
  const label = stateLabel(r);
  const refuseAs = (intent: OutboundIntent, what: string) =>
    refuse(intent, `referral is ${label} in Partner Center; ${what}`, v);

  if (v.decision === 'accept' && changed.has('decision') && (r.substatus === 'Declined' || r.substatus === 'Expired')) {
    return refuseAs('accept', 'it can no longer be accepted');
  }
  if (changed.has('outcome')) {
    if (v.outcome === 'open') return refuseAs('edit', 'it cannot be reopened');
    const agrees = v.outcome === 'won' ? r.substatus === 'Won' : NOT_WON.has(r.substatus ?? '');
    if (!agrees) return refuseAs(v.outcome, `it can no longer be marked ${v.outcome === 'won' ? 'Won' : 'Lost'}`);
  }
  const fields = EDIT_FIELDS.filter((f) => input.rules.editableWhileActive.includes(f) && changed.has(VALUE_KEY_OF[f]));
  const ops = fieldOps({
    referral: r,
    values: v,
    contacts: input.snapshot.teamContacts,
    fields,
    campaignIdPath: input.rules.campaignIdPath,
  });
  if (ops.length === 0) return null;
  const paths = ops.map((o) => o.path.replace(/^\/(details\/)?/, '').replace(/\/-$/, ''));
  return refuseAs('edit', `edits are not accepted (not sent: ${[...new Set(paths)].join(', ')})`);
}
