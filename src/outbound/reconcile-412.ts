import type { Referral } from '../domain/referral.ts';
import { decideOutbound, type DecideInput } from './decide.ts';
import type { HoldDecision, PushDecision, RefuseDecision } from './outbound-decision.ts';
import type { PushedValues } from './snapshot-values.ts';
import { valuesOf } from './snapshot-values.ts';
import { isInState, stateLabel, targetOf } from './state-machine.ts';

export interface ReconcileInput extends Omit<DecideInput, 'referral'> {
  /** The referral re-read after the 412. */
  fresh: Referral;
  /** The push that got the 412. */
  rejected: PushDecision;
}

export type ReconcileResult =
  /** Partner Center already shows what we meant to send: record it as pushed. */
  | { kind: 'done'; pushedValues: PushedValues }
  /** Send this instead: ops computed against the fresh referral, with its eTag. */
  | { kind: 'reapply'; push: PushDecision }
  /** Closed in Partner Center meanwhile: nothing is overwritten; record and show the reason. */
  | { kind: 'conflict'; reason: string; showOnOpportunity: true; seen: PushedValues; from: string; to: string }
  | RefuseDecision
  | HoldDecision;

/**
 * Pure: after `412 Precondition Failed` (docs/partner-center-referrals-api.md, "Updates: PATCH, If-Match and 412"),
 * re-decide from the fresh referral instead
 * of re-sending the old patch. A referral Microsoft (or anyone) closed meanwhile is never
 * overwritten; otherwise the same snapshot is decided again against the fresh state, which also
 * keeps changes made meanwhile in Partner Center to fields the partner did not touch.
 */
export function reconcile412(input: ReconcileInput): ReconcileResult {
  const { fresh, rejected } = input;
  const target = rejected.intent === 'edit' ? null : targetOf(rejected.intent);
  const inTarget = target !== null && isInState(fresh, target);

  if (fresh.status === 'Closed' && !inTarget) {
    const expired = fresh.substatus === 'Expired';
    const what = expired ? 'expired in Partner Center' : `was closed in Partner Center as ${stateLabel(fresh)}`;
    return {
      kind: 'conflict',
      reason: `referral ${what} before our ${rejected.intent} arrived; nothing was overwritten`,
      showOnOpportunity: true,
      seen: valuesOf(input.snapshot),
      from: stateLabel(fresh),
      to: rejected.to,
    };
  }

  const again = decideOutbound({ ...input, referral: fresh });
  // Still to do (or, when the target state is already there, edits still to send).
  if (again.kind === 'push') return { kind: 'reapply', push: again };
  if (again.kind === 'none') return { kind: 'done', pushedValues: rejected.pushedValues };
  // Closed as we meant to close it: edits refused on the now-Closed referral do not undo that.
  if (again.kind === 'refuse' && inTarget) return { kind: 'done', pushedValues: rejected.pushedValues };
  return again;
}
