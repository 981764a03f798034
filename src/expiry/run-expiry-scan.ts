import type { Referral } from '../domain/referral.ts';
import type { Logger } from '../log/logger.ts';
import type { Clock } from '../ports/clock.ts';
import type { ReferralStore } from '../ports/state.ts';
import { appliedAlerts } from './alert-decisions.ts';
import { crmOf, fireAlert, type FireAlertDeps, type FireCounts } from './fire-alert.ts';
import type { ExpiryLevel } from './levels.ts';
import { planExpiry } from './plan.ts';

export interface ExpiryScanDeps extends FireAlertDeps {
  referrals: ReferralStore;
  clock: Clock;
  log: Logger;
  /** From toLevels(): most distant first. */
  levels: readonly ExpiryLevel[];
  /** The mapping's contact-me rule (e.g. callToAction "Contact me"); detection is not ours. */
  isContactMe(referral: Referral): boolean;
}

export interface ExpiryScanResult extends FireCounts {
  /** Referrals looked at: every New one plus every tracked one. */
  scanned: number;
  /** Answered referrals whose pending warnings were cleared. */
  cleared: number;
  /** Ids in an index whose referral the store no longer has. */
  missing: number;
}

const emptyResult = (): ExpiryScanResult => ({
  scanned: 0,
  warnings: 0,
  contactMe: 0,
  expired: 0,
  cleared: 0,
  retryLater: 0,
  crmFailures: 0,
  notInCrm: 0,
  webhookFailures: 0,
  busy: 0,
  missing: 0,
});

/**
 * One pass of the expiry job. Safe to run on several workers at once and to re-run after a
 * crash: every alert goes through the ledger's atomic claim, so it fires once whatever the
 * interleaving. Visits each New referral, plus the referrals tracked from earlier scans so an
 * answer or an expiry is noticed after the referral left the New index.
 *
 * A referral the ledger knows nothing of is first looked up in the CRM (recallFromCrm).
 * CRM and webhook failures are counted and retried by the next scan. Store or ledger failures
 * (Redis down) are thrown: the job fails and BullMQ retries it; nothing done so far is redone.
 */
export async function runExpiryScan(deps: ExpiryScanDeps): Promise<ExpiryScanResult> {
  const now = deps.clock.now();
  const result = emptyResult();
  const waiting = await deps.referrals.idsWithStatus('New');
  await deps.ledger.track(waiting);
  const ids = [...new Set([...waiting, ...(await deps.ledger.trackedIds())])];
  for (const id of ids) {
    result.scanned += 1;
    await scanReferral(deps, id, now, result);
  }
  deps.log.info({ expiryScan: result }, 'expiry scan finished');
  return result;
}

/**
 * One referral's pass outside the repeatable scan: the webhook queue calls it right after a
 * post, so the CRM effect that waited for that post goes now rather than at the next scan.
 */
export async function scanOneReferral(deps: ExpiryScanDeps, referralId: string): Promise<ExpiryScanResult> {
  const result = emptyResult();
  await scanReferral(deps, referralId, deps.clock.now(), result);
  return result;
}

/**
 * The ledger has nothing for this referral: it is new, or Redis lost its data. Before anything
 * fires, the CRM tells which alerts were applied; those are recorded as done, effects included,
 * and not repeated. Returns the alerts now known as fired, or null to wait for the next scan:
 * the opportunity is not known yet (after a Redis loss the sync state is gone too, until the
 * next pull rebuilds it), or the CRM could not be read. Waiting rather than firing blind is what
 * keeps a level delivered before the loss from being delivered again.
 */
async function recallFromCrm(
  deps: ExpiryScanDeps,
  log: Logger,
  referralId: string,
  alerts: string[],
  now: Date,
  result: ExpiryScanResult,
): Promise<ReadonlySet<string> | null> {
  const target = await crmOf(deps, log, referralId, result);
  if (!target) return null;
  const { synced, writer } = target;
  let applied: string[];
  try {
    applied = appliedAlerts(
      deps.levels,
      alerts,
      await writer.readAppliedExpiry({ referralId, crmId: synced.crmId, alerts }),
    );
  } catch (err) {
    result.crmFailures += 1;
    log.warn({ err, crm: synced.crm }, 'could not read applied expiry alerts from the CRM; retried next scan');
    return null;
  }
  if (applied.length > 0) {
    await deps.ledger.recordApplied(referralId, applied, now);
    log.info({ applied }, 'expiry alerts found applied in the CRM; recorded as done, not repeated');
  }
  return new Set(applied);
}

async function scanReferral(
  deps: ExpiryScanDeps,
  referralId: string,
  now: Date,
  result: ExpiryScanResult,
): Promise<void> {
  const log = deps.log.child({ referralId });
  const referral = await deps.referrals.get(referralId);
  if (!referral) {
    result.missing += 1;
    log.warn('referral indexed but not in the store; skipped by the expiry scan');
    return;
  }
  const view = await deps.ledger.read(referralId);
  if (view.closed !== null) {
    // Closed earlier; seen again because a (stale) New index re-tracked it. Untrack again.
    await deps.ledger.close(referralId, view.closed === 'expired' ? 'expired' : 'responded', now);
    return;
  }
  const planFor = (fired: ReadonlySet<string>) =>
    planExpiry({ referral, levels: deps.levels, now, fired, isContactMe: deps.isContactMe(referral) });
  let plan = planFor(view.fired);
  if (!view.known && plan.due.length > 0) {
    const fired = await recallFromCrm(
      deps,
      log,
      referralId,
      plan.due.map((a) => a.level),
      now,
      result,
    );
    if (fired === null) return;
    if (fired.size > 0) plan = planFor(fired);
  }

  let crmBlocked = false;
  let allDone = true;
  for (const alert of plan.due) {
    const fired = await fireAlert(deps, log, referral, alert, now, crmBlocked, result);
    if (fired.outcome === 'closed') return;
    if (fired.outcome !== 'completed' && fired.outcome !== 'already-done') allDone = false;
    // Contact-me sets no level field: its pending task holds no level back.
    crmBlocked ||= fired.crmPending && alert.kind !== 'contact-me';
  }
  if (plan.clearPending && allDone) {
    await deps.ledger.close(referralId, plan.phase === 'expired' ? 'expired' : 'responded', now);
    if (plan.phase === 'responded') {
      result.cleared += 1;
      log.info(
        { status: referral.status, substatus: referral.substatus },
        'referral answered; pending expiry warnings cleared',
      );
    }
  }
}
