import type { Referral } from '../domain/referral.ts';
import { isFatal } from '../errors.ts';
import type { Logger } from '../log/logger.ts';
import type { CrmExpiryWriter, CrmKind, ExpiryWarning } from '../ports/crm.ts';
import type { AlertQueue } from '../ports/alert-queue.ts';
import type { AlertEffect, ExpiryLedger } from '../ports/expiry-ledger.ts';
import type { ReferralSyncState, SyncStateStore } from '../ports/state.ts';
import type { ExpiryAlertJob } from './alert.ts';
import { crmMayGo, webhookAction, webhookSettled } from './alert-decisions.ts';
import { alertText, alertTitle, referralLink, taskDescription } from './messages.ts';
import type { AlertKind, DueAlert } from './plan.ts';

export interface FireAlertDeps {
  state: SyncStateStore;
  ledger: ExpiryLedger;
  /** CRM writers by kind; the referral's sync state says which CRM holds its opportunity. */
  crm: Partial<Record<CrmKind, CrmExpiryWriter>>;
  /** The webhook queue (jobId: expiryAlertJobId); null when no webhook is configured. Never posts inline. */
  alerts: AlertQueue | null;
  /** How long an alert's CRM effect waits for its webhook post before going anyway (see crmMayGo). */
  crmWaitForWebhookMs: number;
  timeZone: string;
  linkTemplate: string | null;
}

/** Counters the scan reports; fireAlert adds to them. */
export interface FireCounts {
  warnings: number;
  contactMe: number;
  expired: number;
  /** Alerts claimed this run but left for the next one (webhook not posted yet, CRM failed or not synced yet). */
  retryLater: number;
  crmFailures: number;
  /** The referral has no CRM record yet (inbound sync has not created it): retried next scan. */
  notInCrm: number;
  webhookFailures: number;
  /** Another worker held the claim. */
  busy: number;
}

type FireOutcome = 'completed' | 'already-done' | 'busy' | 'closed' | 'retry-later';

export interface FireResult {
  outcome: FireOutcome;
  /** The CRM side of this alert is not known to be done: later levels must not overtake it. */
  crmPending: boolean;
}

/**
 * Which effects complete an alert: a warning has both; a contact-me request a webhook and a task
 * (no level field), so the CRM remembers it after Redis loses the ledger and the seller sees it;
 * expired is a CRM status only.
 */
const EFFECTS: Record<AlertKind, { crm: boolean; webhook: boolean }> = {
  warning: { crm: true, webhook: true },
  'contact-me': { crm: true, webhook: true },
  expired: { crm: true, webhook: false },
};

/**
 * Moves one due alert forward under the ledger's claim, then completes it once every effect is
 * recorded, or releases it for the next scan. Order: the webhook job first; the CRM effect after
 * the post is confirmed (or the grace ran out, see crmMayGo). With `crmBlocked` (an earlier
 * level's CRM update is still pending) the CRM effect waits, so the opportunity's "expiry level"
 * field never moves back from 24h to 72h.
 *
 * An alert counts as done only when its webhook is settled (posted, or dropped because the
 * referral was answered): until then every scan looks at its job and re-adds a lost one or
 * retries a failed one, so a kill -9 or a lost queue cannot leave a reached level unposted.
 */
export async function fireAlert(
  deps: FireAlertDeps,
  log: Logger,
  referral: Referral,
  alert: DueAlert,
  now: Date,
  crmBlocked: boolean,
  counts: FireCounts,
): Promise<FireResult> {
  const claim = await deps.ledger.claim(referral.id, alert.level, now);
  if (claim.status === 'done') return { outcome: 'already-done', crmPending: false };
  if (claim.status === 'closed') return { outcome: 'closed', crmPending: true };
  const needs = { crm: EFFECTS[alert.kind].crm, webhook: EFFECTS[alert.kind].webhook && deps.alerts !== null };
  if (claim.status === 'busy') {
    counts.busy += 1;
    return { outcome: 'busy', crmPending: needs.crm };
  }
  const effects = new Set(claim.effectsDone);
  const alertLog = log.child({ expiryLevel: alert.level, alert: alert.kind });
  const job = toJob(referral.id, alert, now);

  if (needs.webhook && deps.alerts && !webhookSettled(effects)) {
    await advanceWebhook(deps, deps.alerts, alertLog, job, effects, now, counts);
    // The webhook worker records its post without the claim, so it may have posted since the
    // claim read the effects: look again rather than hold the CRM back for a whole scan.
    if (!webhookSettled(effects))
      for (const e of await deps.ledger.effectsDone(referral.id, alert.level)) effects.add(e);
  }
  const settled = !needs.webhook || webhookSettled(effects);
  let crmOk = !needs.crm || effects.has('crm');
  const mayGo = crmMayGo({
    needsWebhook: needs.webhook,
    webhookSettled: settled,
    enqueuedAt: claim.effectsAt.get('webhook-enqueued'),
    now,
    graceMs: deps.crmWaitForWebhookMs,
  });
  if (!crmOk && mayGo && !crmBlocked) crmOk = await applyCrm(deps, alertLog, referral, alert, now, counts);

  if (crmOk && settled && (await deps.ledger.complete(referral.id, alert.level, claim.token, now))) {
    const key = alert.kind === 'warning' ? 'warnings' : alert.kind === 'contact-me' ? 'contactMe' : 'expired';
    counts[key] += 1;
    alertLog.info('expiry alert fired');
    return { outcome: 'completed', crmPending: false };
  }
  await deps.ledger.release(referral.id, alert.level, claim.token);
  counts.retryLater += 1;
  return { outcome: 'retry-later', crmPending: !crmOk };
}

const toJob = (referralId: string, alert: DueAlert, now: Date): ExpiryAlertJob => ({
  referralId,
  kind: alert.kind,
  level: alert.level,
  deadline: alert.deadline.toISOString(),
  firedAt: now.toISOString(),
});

/**
 * Queues the webhook job the first time; later, checks on it (see webhookAction). Adds what it
 * records to `effects`. Queue failures are counted and left for the next scan.
 */
async function advanceWebhook(
  deps: FireAlertDeps,
  queue: AlertQueue,
  log: Logger,
  job: ExpiryAlertJob,
  effects: Set<AlertEffect>,
  now: Date,
  counts: FireCounts,
): Promise<void> {
  const record = async (effect: AlertEffect) => {
    await deps.ledger.markEffectDone(job.referralId, job.level, effect, now);
    effects.add(effect);
  };
  try {
    if (!effects.has('webhook-enqueued')) {
      await queue.add(job);
      await record('webhook-enqueued');
      return;
    }
    const action = webhookAction(await queue.state(job));
    if (action.do === 'add') {
      log.warn('webhook job for an unposted alert is gone; queued again');
      await queue.add(job);
    } else if (action.do === 'retry') {
      log.warn('webhook job for an unposted alert had failed; retried');
      await queue.retry(job);
    } else if (action.do === 'record') {
      await record(action.effect);
    }
  } catch (err) {
    counts.webhookFailures += 1;
    log.warn({ err }, 'webhook alert could not be queued; retried next scan');
  }
}

/**
 * The CRM holding the referral's opportunity and its expiry writer; null (counted, logged) while
 * the opportunity is not known yet (the scan retries) or no writer is configured for its CRM.
 */
export async function crmOf(
  deps: Pick<FireAlertDeps, 'state' | 'crm'>,
  log: Logger,
  referralId: string,
  counts: Pick<FireCounts, 'notInCrm' | 'crmFailures'>,
): Promise<{ synced: ReferralSyncState; writer: CrmExpiryWriter } | null> {
  const synced = await deps.state.get(referralId);
  if (!synced || synced.crmId === '') {
    counts.notInCrm += 1;
    log.info('no CRM opportunity yet; its expiry alerts wait for the next scan');
    return null;
  }
  const writer = deps.crm[synced.crm];
  if (!writer) {
    counts.crmFailures += 1;
    log.error({ crm: synced.crm }, 'no expiry writer configured for this CRM');
    return null;
  }
  return { synced, writer };
}

async function applyCrm(
  deps: FireAlertDeps,
  log: Logger,
  referral: Referral,
  alert: DueAlert,
  now: Date,
  counts: FireCounts,
): Promise<boolean> {
  const target = await crmOf(deps, log, referral.id, counts);
  if (!target) return false;
  const { synced, writer } = target;
  const link = referralLink(deps.linkTemplate, referral.id);
  const text = alertText(referral, referral.id, alert.deadline, now, deps.timeZone);
  const warning: ExpiryWarning = {
    referralId: referral.id,
    crmId: synced.crmId,
    level: alert.level,
    deadline: alert.deadline,
    taskSubject: alertTitle(alert.kind, alert.level, text),
    taskDescription: taskDescription(alert.kind, referral.id, text, link),
    setsLevel: alert.kind !== 'contact-me',
  };
  try {
    await writer.applyExpiryWarning(warning);
  } catch (err) {
    counts.crmFailures += 1;
    // Fatal (bad field, permissions) needs a human but is still retried each scan: the level
    // must reach the CRM once someone fixes it, and a scan is cheap.
    if (isFatal(err)) log.error({ err, crm: synced.crm }, 'expiry CRM update failed; retried next scan');
    else log.warn({ err, crm: synced.crm }, 'expiry CRM update failed; retried next scan');
    return false;
  }
  await deps.ledger.markEffectDone(referral.id, alert.level, 'crm', now);
  return true;
}
