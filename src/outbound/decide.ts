import type { JsonPatchOp, Referral } from '../domain/referral.ts';
import { FatalError } from '../errors.ts';
import type { CrmSnapshot } from './crm-snapshot.ts';
import { fieldOps, setOp } from './field-ops.ts';
import { NONE, refuse, type OutboundDecision, type OutboundIntent, type PushDecision } from './outbound-decision.ts';
import { ACCEPT_FIELDS, EDIT_FIELDS, toStatusReason, type EditField, type OutboundRules } from './outbound-rules.ts';
import {
  changedKeys,
  omitValues,
  pickValues,
  valuesOf,
  VALUE_KEY_OF,
  type PushedValues,
  type SnapshotValues,
  type ValueKey,
} from './snapshot-values.ts';
import { canMove, knownState, stateLabel, targetOf, type Move } from './state-machine.ts';
import { closedRefusal } from './closed-referral.ts';
import { wonHold } from './won-hold.ts';

export interface DecideInput {
  /** The referral as last read from Partner Center (its eTag goes into If-Match). */
  referral: Referral;
  snapshot: CrmSnapshot;
  /** Values last pushed to Partner Center or last written into the CRM by inbound sync; null at first. */
  lastPushed: PushedValues | null;
  rules: OutboundRules;
  now: Date;
}

interface Ctx extends DecideInput {
  values: SnapshotValues;
  changed: ReadonlySet<ValueKey>;
}

/**
 * Pure: what to send to Partner Center for one opportunity, if anything (issue 4).
 *
 * Nothing is decided unless some value differs from lastPushed (the echo-loop guard). Decisions
 * then follow the full state of the opportunity, so a refused accept goes through as soon as the
 * missing field is filled in; field edits follow only the fields that changed, so a value
 * Microsoft changed in Partner Center is not overwritten by a stale CRM copy. Accept sends the
 * fields an accept needs (name, value, currency, close date) plus the ones the seller changed.
 */
export function decideOutbound(input: DecideInput): OutboundDecision {
  const { referral, snapshot, lastPushed } = input;
  if (snapshot.referralId !== referral.id) {
    throw new FatalError(`snapshot of ${snapshot.crmId} is for referral ${snapshot.referralId}, not ${referral.id}`);
  }
  const values = valuesOf(snapshot);
  const changed = changedKeys(values, lastPushed);
  if (changed.size === 0) return NONE;
  const ctx: Ctx = { ...input, values, changed };
  const known = knownState(referral);
  if (!known.ok) return refuse(intentHint(values), known.reason, values);
  if (referral.status === 'New') return decideNew(ctx);
  if (referral.status === 'Active') return decideActive(ctx);
  return closedRefusal(ctx) ?? NONE;
}

function intentHint(v: SnapshotValues): OutboundIntent {
  if (v.decision) return v.decision;
  return v.outcome === 'open' ? 'edit' : v.outcome;
}

function decideNew(ctx: Ctx): OutboundDecision {
  const { values: v, rules } = ctx;
  if (v.decision === 'decline') return decline(ctx);
  // State, not transition: inbound sync puts New referrals on hold, so a New referral whose
  // opportunity is elsewhere was moved off hold. Closing it as Lost is not an accept.
  const onHold = rules.accept.onHoldStages;
  const leftHold = onHold.length > 0 && v.stage !== null && !onHold.includes(v.stage) && v.outcome !== 'lost';
  if (v.decision === 'accept' || leftHold) return accept(ctx);
  if (v.outcome !== 'open' && ctx.changed.has('outcome')) {
    const first =
      v.outcome === 'won'
        ? 'accept it before closing the opportunity as Won'
        : 'decline it instead of closing the opportunity as Lost';
    return refuse(
      v.outcome,
      `referral is ${stateLabel(ctx.referral)} in Partner Center; ${first}`,
      pickValues(v, ['outcome', 'lostReason']),
    );
  }
  return NONE; // edits made before the accept travel with it
}

function accept(ctx: Ctx): OutboundDecision {
  const { referral: r, values: v, rules } = ctx;
  // Named as the seller sees them on the form (seller-labels.ts), never by our keys (#15).
  const missing = ACCEPT_FIELDS.filter((f) => isMissing(r, v, f)).map((f) => rules.labels[f]);
  if (missing.length > 0) {
    return refuse(
      'accept',
      `accept needs ${listed(missing)}: fill ${missing.length > 1 ? 'them' : 'it'} in on the opportunity and save again. Nothing was sent to Partner Center`,
      v,
    );
  }
  // The accept fields travel with the status change; other fields only when the seller changed
  // them, so a stale CRM copy never overwrites what Microsoft edited meanwhile (#4: 412 test).
  const fields = [...new Set<EditField>([...ACCEPT_FIELDS, ...changedEditable(rules, ctx.changed)])];
  // Won/Lost need a second patch once Active: keep them pending.
  const pushed = v.outcome === 'open' ? v : omitValues(v, ['outcome', 'lostReason']);
  return move(ctx, 'accept', [], fields, pushed);
}

/** "A", "A and B", "A, B and C". */
const listed = (names: readonly string[]): string =>
  names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1] ?? ''}`;

function isMissing(r: Referral, v: SnapshotValues, field: EditField): boolean {
  const d = r.details;
  switch (field) {
    case 'name':
      return v.name === null && !r.name;
    // Microsoft's own connector refuses a deal value of 0 as well as an empty one
    // (docs/partner-center-referrals-api.md, "Microsoft's own CRM connectors").
    case 'dealValue':
      return !(v.dealValue !== null ? v.dealValue > 0 : (d?.dealValue ?? 0) > 0);
    case 'currency':
      return v.currency === null && !d?.currency;
    case 'closingDateTime':
      return v.closeDate === null && !d?.closingDateTime;
    default:
      return false;
  }
}

function decline(ctx: Ctx): OutboundDecision {
  const { referral: r, values: v, rules } = ctx;
  const reason = toStatusReason(v.declineReason, rules.decline.reasonMap);
  if (reason === null && rules.decline.requireReason) {
    return refuse(
      'decline',
      `decline needs a reason (${rules.labels.declineReason}); nothing was sent to Partner Center`,
      v,
    );
  }
  const reasonOps = reason !== null && reason !== r.statusReason ? [setOp(r, '/statusReason', reason)] : [];
  return move(ctx, 'decline', reasonOps, ['notes'], v);
}

function decideActive(ctx: Ctx): OutboundDecision {
  const { values: v, rules, changed } = ctx;
  if (v.outcome !== 'open') return close(ctx, v.outcome);
  if (v.decision === 'decline' && changed.has('decision')) {
    return refuse(
      'decline',
      `referral is already ${stateLabel(ctx.referral)} in Partner Center and can no longer be declined; close the opportunity as Lost instead`,
      pickValues(v, ['decision', 'declineReason']),
    );
  }
  const ops = fieldOps(opsInput(ctx, changedEditable(rules, changed)));
  if (ops.length === 0) return NONE;
  return push(ctx, 'edit', ops, stateLabel(ctx.referral), v);
}

function close(ctx: Ctx, outcome: 'won' | 'lost'): OutboundDecision {
  const { referral: r, values: v, rules } = ctx;
  if (outcome === 'won') {
    const hold = wonHold(r, rules, ctx.now);
    if (hold) return hold;
    return move(ctx, 'won', [], changedEditable(rules, ctx.changed), v);
  }
  const reason = toStatusReason(v.lostReason, rules.lost.reasonMap);
  if (reason === null && rules.lost.requireReason) {
    return refuse('lost', `Lost needs a reason (${rules.labels.lostReason}); nothing was sent to Partner Center`, v);
  }
  const reasonOps = reason !== null && reason !== r.statusReason ? [setOp(r, '/statusReason', reason)] : [];
  return move(ctx, 'lost', reasonOps, changedEditable(rules, ctx.changed), v);
}

const changedEditable = (rules: OutboundRules, changed: ReadonlySet<ValueKey>): EditField[] =>
  EDIT_FIELDS.filter((f) => rules.editableWhileActive.includes(f) && changed.has(VALUE_KEY_OF[f]));

const opsInput = (ctx: Ctx, fields: readonly EditField[]) => ({
  referral: ctx.referral,
  values: ctx.values,
  contacts: ctx.snapshot.teamContacts,
  fields,
  campaignIdPath: ctx.rules.campaignIdPath,
});

function move(
  ctx: Ctx,
  m: Move,
  reasonOps: JsonPatchOp[],
  fields: readonly EditField[],
  pushed: PushedValues,
): OutboundDecision {
  const to = targetOf(m);
  const allowed = canMove(ctx.referral, to);
  if (!allowed.ok) return refuse(m, allowed.reason, ctx.values);
  const statusOps: JsonPatchOp[] = [
    { op: 'replace', path: '/status', value: to.status },
    { op: 'replace', path: '/substatus', value: to.substatus },
  ];
  return push(ctx, m, [...statusOps, ...reasonOps, ...fieldOps(opsInput(ctx, fields))], stateLabel(to), pushed);
}

function push(
  ctx: Ctx,
  intent: OutboundIntent,
  ops: JsonPatchOp[],
  to: string,
  pushedValues: PushedValues,
): PushDecision {
  const priority = intent === 'edit' ? 'edit' : 'decision';
  return {
    kind: 'push',
    intent,
    ops,
    eTag: ctx.referral.eTag,
    priority,
    pushedValues,
    from: stateLabel(ctx.referral),
    to,
  };
}
