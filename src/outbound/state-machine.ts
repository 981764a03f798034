import type { Referral } from '../domain/referral.ts';

/*
 * Partner Center's status rules as far as a partner may move a referral (docs/partner-center-referrals-api.md,
 * "Status and substatus"):
 * New -> Active/Accepted or Closed/Declined; Active -> Closed/Won or Closed/Lost; Closed is
 * terminal (Expired is Microsoft's alone). A status or substatus we do not know is refused with a
 * reason rather than guessed at: `Error` and others are UNCONFIRMED for the API.
 */

export type ReferralState = Pick<Referral, 'status' | 'substatus'>;
export interface TargetState {
  status: 'Active' | 'Closed';
  substatus: 'Accepted' | 'Declined' | 'Won' | 'Lost';
}
export type Move = 'accept' | 'decline' | 'won' | 'lost';
export type Verdict = { ok: true } | { ok: false; reason: string };

/** Substatuses we know per status. A missing or `None` substatus is accepted for New and Active. */
const KNOWN_STATES = {
  New: ['Pending', 'Received'],
  Active: ['Accepted'],
  Closed: ['Won', 'Lost', 'Declined', 'Expired'],
} as const satisfies Record<string, readonly string[]>;

export const MOVES: readonly { move: Move; from: 'New' | 'Active'; to: TargetState }[] = [
  { move: 'accept', from: 'New', to: { status: 'Active', substatus: 'Accepted' } },
  { move: 'decline', from: 'New', to: { status: 'Closed', substatus: 'Declined' } },
  { move: 'won', from: 'Active', to: { status: 'Closed', substatus: 'Won' } },
  { move: 'lost', from: 'Active', to: { status: 'Closed', substatus: 'Lost' } },
];

export const stateLabel = (s: ReferralState): string => `${s.status}/${s.substatus ?? 'None'}`;

export function targetOf(move: Move): TargetState {
  const found = MOVES.find((m) => m.move === move);
  if (!found) throw new Error(`no move ${move}`);
  return found.to;
}

export function isInState(s: ReferralState, t: TargetState): boolean {
  return s.status === t.status && s.substatus === t.substatus;
}

const OK: Verdict = { ok: true };

/** Is this a state we know? Closed is known whatever its substatus: it is terminal either way. */
export function knownState(s: ReferralState): Verdict {
  if (s.status === 'Closed') return OK;
  if (s.status !== 'New' && s.status !== 'Active') {
    return {
      ok: false,
      reason: `Partner Center status ${stateLabel(s)} is not one we know; nothing was sent rather than guess`,
    };
  }
  const sub = s.substatus;
  const known: readonly string[] = KNOWN_STATES[s.status];
  if (sub == null || sub === 'None' || known.includes(sub)) return OK;
  return {
    ok: false,
    reason: `Partner Center substatus ${stateLabel(s)} is not one we know; nothing was sent rather than guess`,
  };
}

export function canMove(from: ReferralState, to: TargetState): Verdict {
  const known = knownState(from);
  if (!known.ok) return known;
  if (from.status === 'Closed') {
    return { ok: false, reason: `referral is ${stateLabel(from)} in Partner Center; Closed is terminal` };
  }
  if (MOVES.some((m) => m.from === from.status && isInState(m.to, to))) return OK;
  return { ok: false, reason: `Partner Center does not allow ${stateLabel(from)} -> ${stateLabel(to)}` };
}

/** Field edits are pushed while Active only; on New they wait for the accept. */
export function canEdit(from: ReferralState): Verdict {
  const known = knownState(from);
  if (!known.ok) return known;
  if (from.status === 'Active') return OK;
  if (from.status === 'Closed') {
    return { ok: false, reason: `referral is ${stateLabel(from)} in Partner Center; edits are not accepted` };
  }
  return { ok: false, reason: `referral is ${stateLabel(from)} in Partner Center; edits are sent with the accept` };
}
