import type { Referral } from '../domain/referral.ts';
import type { CrmSnapshot } from './crm-snapshot.ts';
import { decideOutbound, type DecideInput } from './decide.ts';
import type { OutboundDecision } from './outbound-decision.ts';
import { pickValues, valuesOf, type PushedValues, type ValueKey } from './snapshot-values.ts';

/*
 * Outbound sync without the echo guard's memory (issue 20, item 2): Redis lost its data, or
 * outbound sync was just turned on. lastPushed is what tells a seller's edit from a value we wrote
 * ourselves; without it every difference between the opportunity and the referral looks like an
 * edit, and pushing them all sent stale CRM copies over what Microsoft had edited since. What is
 * left to tell who changed last is each side's modification time.
 */

/** The values a seller edits; the rest (decision, reasons, stage, outcome) are decisions. */
const EDIT_KEYS: readonly ValueKey[] = ['name', 'dealValue', 'currency', 'closeDate', 'notes', 'campaignId', 'team'];
const DECISION_KEYS: readonly ValueKey[] = ['decision', 'declineReason', 'lostReason', 'stage', 'outcome'];

export type NewerSide = 'partner-center' | 'crm';

/**
 * The opportunity's SystemModstamp / modifiedon against the referral's updatedDateTime. A tie, or
 * a referral without updatedDateTime, counts as Partner Center: then edits are not sent, which
 * can only leave a seller's edit unsent, never overwrite Microsoft's.
 */
export function newerSide(
  referral: Pick<Referral, 'updatedDateTime'>,
  snapshot: Pick<CrmSnapshot, 'modstamp'>,
): NewerSide {
  const pc = referral.updatedDateTime ? Date.parse(referral.updatedDateTime) : Number.NaN;
  if (Number.isNaN(pc)) return 'partner-center';
  return Date.parse(snapshot.modstamp) > pc ? 'crm' : 'partner-center';
}

export interface NoMemoryDecision {
  newer: NewerSide;
  /** What the decision was made against, in place of lastPushed (a 412 re-decides against it). */
  assumed: PushedValues | null;
  decision: OutboundDecision;
  /** Merge into lastPushed when nothing is sent (the new baseline); null: remember nothing. */
  rebaseline: PushedValues | null;
}

/**
 * Pure: decide for a referral the outbound store remembers nothing about. `referral` should be
 * fresh from Partner Center, since its updatedDateTime is what the opportunity is compared with.
 *
 * - Partner Center newer: the opportunity has not changed since Microsoft (or our own push) last
 *   changed the referral, so its edit values are taken as the baseline and nothing is sent for
 *   them; the inbound sync brings Partner Center's values into the CRM.
 * - CRM newer: the seller saved after the referral's last change, so values that differ are the
 *   seller's and are sent. Record-level: a referral edited on both sides keeps the later side.
 *
 * Decisions go through the state machine either way: it sends only what Partner Center does not
 * yet reflect (an accept on a New referral; Won/Lost on an Active one), so a decision pushed
 * before the memory was lost is not pushed again. A Closed referral takes nothing more, and
 * without memory a CRM state that disagrees with it (a declined referral's opportunity still
 * open, say) cannot be told from one already reported, so only edits are refused there.
 */
export function decideWithoutMemory(input: Omit<DecideInput, 'lastPushed'>): NoMemoryDecision {
  const { referral, snapshot } = input;
  const newer = newerSide(referral, snapshot);
  const values = valuesOf(snapshot);
  const closed = referral.status === 'Closed';
  const keys = [...(newer === 'partner-center' ? EDIT_KEYS : []), ...(closed ? DECISION_KEYS : [])];
  const assumed = keys.length > 0 ? pickValues(values, keys) : null;
  const decision = decideOutbound({ ...input, lastPushed: assumed });
  // A New referral's edits travel with the later accept: while the seller's save is the newer
  // one, remembering them now would leave them out of it.
  const keepPending = newer === 'crm' && referral.status === 'New';
  return { newer, assumed, decision, rebaseline: keepPending ? null : values };
}
