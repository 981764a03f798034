import type { JsonPatchOp } from '../domain/referral.ts';
import type { PushedValues } from './snapshot-values.ts';

export type OutboundIntent = 'accept' | 'decline' | 'won' | 'lost' | 'edit';

/** Accept/decline/Won/Lost go ahead of edits (issue 4: a higher job priority). */
type PushPriority = 'decision' | 'edit';

export interface PushDecision {
  kind: 'push';
  intent: OutboundIntent;
  /** JSON Patch for `PATCH …/referrals/{id}`; never empty. */
  ops: JsonPatchOp[];
  /** Send as `If-Match`: the eTag of the referral these ops were computed against. */
  eTag: string;
  priority: PushPriority;
  /** Merge into lastPushed (mergePushed) once Partner Center took the patch. */
  pushedValues: PushedValues;
  /** Partner Center state before and after, e.g. `New/Pending` -> `Active/Accepted` (for the audit). */
  from: string;
  to: string;
}

export interface RefuseDecision {
  kind: 'refuse';
  intent: OutboundIntent;
  /** Names what is wrong and what to do; written to the opportunity's status/error field. */
  reason: string;
  showOnOpportunity: true;
  /**
   * Merge into lastPushed so the same snapshot is not refused again on every poll. Any later
   * change to the opportunity re-decides from its full state (e.g. the missing close date added).
   */
  seen: PushedValues;
}

/** Not now, not dropped: schedule the same decision again at `until`. Nothing to remember. */
export interface HoldDecision {
  kind: 'hold';
  intent: OutboundIntent;
  until: Date;
  reason: string;
}

export type OutboundDecision = { kind: 'none' } | PushDecision | RefuseDecision | HoldDecision;

export const NONE: OutboundDecision = { kind: 'none' };

export const refuse = (intent: OutboundIntent, reason: string, seen: PushedValues): RefuseDecision => ({
  kind: 'refuse',
  intent,
  reason,
  showOnOpportunity: true,
  seen,
});
