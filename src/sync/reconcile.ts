import { isTerminal, type Referral } from '../domain/referral.ts';
import type { CrmSnapshot } from '../outbound/crm-snapshot.ts';
import type { CrmStatusWritten } from '../outbound/inbound-echo.ts';
import type { PushedValues } from '../outbound/snapshot-values.ts';
import type { CrmKind } from '../ports/crm.ts';
import type { ReferralSyncState } from '../ports/state.ts';

/*
 * Issue 12, the reconcile sweep: what Partner Center, the CRMs and our stored state say is
 * compared side by side, and every difference the normal jobs can repair is named. Pure: the
 * caller lists and reads, this decides, the caller queues.
 */

export const DRIFT_KINDS = [
  /** An open referral with no opportunity carrying its key (and no state: never synced). */
  'missing-opportunity',
  /** An open referral whose opportunity a user deleted (state remains): reported, not recreated. */
  'deleted-opportunity',
  /** The opportunity exists; Partner Center's externalReferenceId does not name it. */
  'missing-write-back',
  /** Opportunity and write-back fine, no sync state (e.g. Redis lost its data). */
  'missing-state',
  /** A seller decision in the CRM (accept, decline, Won, Lost) that Partner Center does not show. */
  'undelivered-decision',
  /** Microsoft closed or expired the referral; the opportunity is still open and does not show it. */
  'closed-in-partner-center',
] as const;
export type DriftKind = (typeof DRIFT_KINDS)[number];

/** How a drift is repaired: through the sync queue (optionally reading the referral afresh) or the CRM's push queue. */
type RepairAction = { job: 'sync'; repair: boolean } | { job: 'push'; crm: CrmKind } | { job: 'none' };

export interface Drift {
  kind: DriftKind;
  referralId: string;
  /** The referral version listed (sync job id). */
  eTag: string;
  crm: CrmKind | null;
  crmId: string | null;
  action: RepairAction;
}

export interface CrmOpportunity {
  crm: CrmKind;
  snapshot: CrmSnapshot;
}

export interface ReconcileInput {
  /** Referrals Partner Center lists as open or recently closed (de-duplicated by the caller). */
  referrals: readonly Referral[];
  /** Every opportunity carrying a referral key, in every configured CRM. */
  opportunities: readonly CrmOpportunity[];
  states: ReadonlyMap<string, ReferralSyncState>;
  /** Outbound sync's memory per referral (what it pushed, saw or refused); absent: nothing. */
  lastPushed: ReadonlyMap<string, PushedValues>;
  /** The Partner Center status last shown in the CRM by the sync; absent: nothing. */
  lastWritten: ReadonlyMap<string, CrmStatusWritten>;
  /** CRMs with outbound sync on: only their decisions are pushed. */
  outboundCrms: ReadonlySet<CrmKind>;
}

/** Every drift found, one per referral at most (the first that applies, in repair order). */
export function findDrift(input: ReconcileInput): Drift[] {
  const byReferral = new Map<string, CrmOpportunity[]>();
  for (const o of input.opportunities)
    byReferral.set(o.snapshot.referralId, [...(byReferral.get(o.snapshot.referralId) ?? []), o]);
  const out: Drift[] = [];
  for (const r of input.referrals) {
    const drift = driftOf(r, byReferral.get(r.id) ?? [], input);
    if (drift) out.push(drift);
  }
  return out;
}

function driftOf(r: Referral, opps: readonly CrmOpportunity[], input: ReconcileInput): Drift | null {
  const state = input.states.get(r.id);
  // Issue 16: a referral that is a CRM Lead has no opportunity until the seller converts it, and
  // Leads are not listed here; the Lead poll and the sync look after it.
  if (state?.record === 'lead') return null;
  const opp = pickOpportunity(r, opps, state);
  const base = { referralId: r.id, eTag: r.eTag, crm: opp?.crm ?? null, crmId: opp?.snapshot.crmId ?? null };
  if (isTerminal(r)) {
    // Closed referrals need no opportunity and take no write-back (no edits after Closed).
    if (!opp || opp.snapshot.isClosed || closedByTheSeller(r, opp.snapshot)) return null;
    // Only outbound sync's inbound status path shows a close on the opportunity; without it
    // there is nothing to repair, and the drift would be reported on every sweep.
    if (!input.outboundCrms.has(opp.crm)) return null;
    const shown = input.lastWritten.get(r.id);
    // Already shown on the opportunity (status fields, mapped stage): the seller keeps it open.
    if (shown && shown.status === r.status && shown.substatus === (r.substatus ?? null)) return null;
    return { ...base, kind: 'closed-in-partner-center', action: { job: 'sync', repair: true } };
  }
  if (!opp) {
    // With state, the opportunity existed: a user deleted it. Recreated on the referral's next
    // change (deleted-record fault test), not behind the seller's back by a sweep.
    if (state)
      return { ...base, kind: 'deleted-opportunity', crm: state.crm, crmId: state.crmId, action: { job: 'none' } };
    return { ...base, kind: 'missing-opportunity', action: { job: 'sync', repair: true } };
  }
  if (r.externalReferenceId !== opp.snapshot.crmId)
    return { ...base, kind: 'missing-write-back', action: { job: 'sync', repair: true } };
  if (!state) return { ...base, kind: 'missing-state', action: { job: 'sync', repair: true } };
  if (input.outboundCrms.has(opp.crm) && undelivered(r, opp.snapshot, input.lastPushed.get(r.id))) {
    return { ...base, kind: 'undelivered-decision', action: { job: 'push', crm: opp.crm } };
  }
  return null;
}

/** The opportunity Partner Center or our state names; else the first listed. */
function pickOpportunity(
  r: Referral,
  opps: readonly CrmOpportunity[],
  state: ReferralSyncState | undefined,
): CrmOpportunity | undefined {
  return (
    opps.find((o) => o.snapshot.crmId === r.externalReferenceId) ??
    opps.find((o) => state !== undefined && o.snapshot.crmId === state.crmId) ??
    opps[0]
  );
}

/** The seller's own decline closed it: the opportunity may stay open by design. */
const closedByTheSeller = (r: Referral, s: CrmSnapshot): boolean =>
  r.substatus === 'Declined' && s.decision === 'decline';

/**
 * The CRM holds a decision an open referral does not show, and outbound sync has not acted on it
 * (pushed, refused or seen it: lastPushed records the same decision or outcome).
 */
function undelivered(r: Referral, s: CrmSnapshot, pushed: PushedValues | undefined): boolean {
  const outcome = s.isClosed ? (s.isWon ? 'won' : 'lost') : 'open';
  if (outcome !== 'open') return pushed?.outcome !== outcome;
  if (s.decision === 'decline') return pushed?.decision !== 'decline';
  if (s.decision === 'accept' && r.status === 'New') return pushed?.decision !== 'accept';
  return false;
}

/** Counts per kind, every kind present (zeros included) for the dashboard and metrics. */
export function countDrift(drifts: readonly Drift[]): Record<DriftKind, number> {
  const counts = Object.fromEntries(DRIFT_KINDS.map((k) => [k, 0])) as Record<DriftKind, number>;
  for (const d of drifts) counts[d.kind] += 1;
  return counts;
}
