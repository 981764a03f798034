import type { Logger } from 'pino';
import type { Referral } from '../domain/referral.ts';
import { ConflictError } from '../errors.ts';
import type { AuditEntry } from '../outbound/audit.ts';
import { auditOf } from '../outbound/audit.ts';
import type { CrmSnapshot } from '../outbound/crm-snapshot.ts';
import { decideOutbound } from '../outbound/decide.ts';
import type { PushDecision } from '../outbound/outbound-decision.ts';
import type { OutboundRules } from '../outbound/outbound-rules.ts';
import type { PushedValues } from '../outbound/snapshot-values.ts';
import { reconcile412 } from '../outbound/reconcile-412.ts';
import { stateLabel } from '../outbound/state-machine.ts';
import { decideWithoutMemory } from '../outbound/without-memory.ts';
import type { CrmOutbound } from '../ports/crm.ts';
import type { OutboundStore } from '../ports/outbound-store.ts';
import type { PartnerCenterClient } from '../ports/partner-center.ts';
import type { Clock } from '../ports/clock.ts';
import type { ReferralStore } from '../ports/state.ts';

export interface PushDeps {
  partnerCenter: PartnerCenterClient;
  referrals: ReferralStore;
  outbound: OutboundStore;
  crm: CrmOutbound;
  rules: OutboundRules;
  clock: Clock;
  log: Logger;
}

export type PushOutcome =
  { result: 'none' | 'pushed' | 'refused' | 'conflict' | 'done' | 'no-snapshot' } | { result: 'held'; until: Date };

/**
 * One opportunity's partner decision or edits, checked against Partner Center's rules and sent
 * as a JSON Patch with If-Match. A 412 re-reads the referral and re-decides from the fresh state
 * (it may have expired meanwhile); nothing is overwritten blindly. Refusals and conflicts are
 * written to the opportunity's message field so the seller sees them. Every decision other than
 * "nothing to do" lands in the referral's audit trail. Callers hold the referral's lease.
 */
export async function pushOutcome(deps: PushDeps, referralId: string): Promise<PushOutcome> {
  const snapshot = await deps.outbound.snapshot(referralId);
  if (!snapshot) return { result: 'no-snapshot' };
  const memory = await remembered(deps, referralId);
  // Without memory the referral's updatedDateTime decides who changed last (without-memory.ts):
  // a stored copy may predate Microsoft's latest edit, so it is read fresh.
  const referral = (memory ? await deps.referrals.get(referralId) : null) ?? (await refetch(deps, referralId));
  const now = deps.clock.now();
  const input = { referral, snapshot, rules: deps.rules, now };
  const blind = memory ? null : decideWithoutMemory(input);
  const lastPushed = blind ? blind.assumed : memory;
  const decision = blind ? blind.decision : decideOutbound({ ...input, lastPushed });
  const audit = auditOf(decision, now, referral);

  switch (decision.kind) {
    case 'none':
      if (blind?.rebaseline) await deps.outbound.rememberPushed(referralId, blind.rebaseline);
      if (blind) deps.log.info({ newer: blind.newer }, 'no outbound memory: decided by modification time');
      return { result: 'none' };
    case 'refuse':
      await record(deps, audit, snapshot, decision.reason);
      await deps.outbound.rememberPushed(referralId, decision.seen);
      deps.log.info({ intent: decision.intent, reason: decision.reason }, 'partner decision refused locally');
      return { result: 'refused' };
    case 'hold':
      await record(deps, audit, snapshot, decision.reason);
      return { result: 'held', until: decision.until };
    case 'push':
      return send(deps, referral, snapshot, decision, { blind: blind !== null, values: lastPushed });
  }
}

async function send(
  deps: PushDeps,
  referral: Referral,
  snapshot: CrmSnapshot,
  push: PushDecision,
  lastPushed: { blind: boolean; values: PushedValues | null },
): Promise<PushOutcome> {
  try {
    const updated = await deps.partnerCenter.patchReferral(referral.id, push.ops, push.eTag);
    await pushed(deps, referral, updated, snapshot, push);
    return { result: 'pushed' };
  } catch (err) {
    if (!(err instanceof ConflictError)) throw err;
  }
  const fresh = await refetch(deps, referral.id);
  const now = deps.clock.now();
  // Without memory, the fresh referral's updatedDateTime may now be the newer side.
  const assumed = lastPushed.blind
    ? decideWithoutMemory({ referral: fresh, snapshot, rules: deps.rules, now }).assumed
    : lastPushed.values;
  const next = reconcile412({ fresh, rejected: push, snapshot, lastPushed: assumed, rules: deps.rules, now });
  deps.log.info({ resolution: next.kind, state: stateLabel(fresh) }, '412 on push: re-read and re-decided');
  switch (next.kind) {
    case 'done':
      await deps.outbound.rememberPushed(referral.id, next.pushedValues);
      return { result: 'done' };
    case 'reapply': {
      // A second 412 throws ConflictError: the job retries later against whatever is then current.
      const updated = await deps.partnerCenter.patchReferral(referral.id, next.push.ops, next.push.eTag);
      await pushed(deps, fresh, updated, snapshot, next.push);
      return { result: 'pushed' };
    }
    case 'conflict': {
      const entry: AuditEntry = {
        at: now.toISOString(),
        referralId: referral.id,
        side: 'crm',
        action: push.intent,
        from: next.from,
        to: next.to,
        result: 'conflict',
        reason: next.reason,
      };
      await record(deps, entry, snapshot, next.reason);
      await deps.outbound.rememberPushed(referral.id, next.seen);
      return { result: 'conflict' };
    }
    case 'refuse':
      await record(deps, auditOf(next, now, fresh), snapshot, next.reason);
      await deps.outbound.rememberPushed(referral.id, next.seen);
      return { result: 'refused' };
    case 'hold':
      await record(deps, auditOf(next, now, fresh), snapshot, next.reason);
      return { result: 'held', until: next.until };
  }
}

async function pushed(
  deps: PushDeps,
  before: Referral,
  updated: Referral,
  snapshot: CrmSnapshot,
  push: PushDecision,
): Promise<void> {
  await deps.referrals.putMany([updated]);
  await deps.outbound.rememberPushed(updated.id, push.pushedValues);
  const entry = auditOf(push, deps.clock.now(), before);
  if (entry) await deps.outbound.audit(entry);
  // A message left by an earlier refusal is out of date once something went through. Cleared
  // only when one is shown: every CRM write costs an API call and an echo to poll past.
  if (await deps.outbound.messageShown(updated.id)) {
    await deps.crm.writeStatus(snapshot.crmId, { message: null });
    await deps.outbound.setMessageShown(updated.id, false);
  }
  deps.log.info({ intent: push.intent, from: push.from, to: push.to }, 'partner decision pushed to Partner Center');
}

async function record(deps: PushDeps, entry: AuditEntry | null, snapshot: CrmSnapshot, message: string): Promise<void> {
  if (entry) await deps.outbound.audit(entry);
  await deps.crm.writeStatus(snapshot.crmId, { message });
  await deps.outbound.setMessageShown(snapshot.referralId, true);
}

/**
 * lastPushed, or null when it holds nothing (Redis lost its data, or outbound sync was just turned
 * on). lastWritten alone is no baseline: it holds the status fields, not the values sellers edit.
 */
async function remembered(deps: PushDeps, referralId: string): Promise<PushedValues | null> {
  const pushed = await deps.outbound.lastPushed(referralId);
  return pushed && Object.keys(pushed).length > 0 ? pushed : null;
}

async function refetch(deps: PushDeps, referralId: string): Promise<Referral> {
  const fresh = await deps.partnerCenter.getReferral(referralId);
  await deps.referrals.putMany([fresh]);
  return fresh;
}
