import type { Referral } from '../domain/referral.ts';
import { isFatal } from '../errors.ts';
import type { Logger } from '../log/logger.ts';
import type { CrmExpiryWriter, CrmKind, ExpiryWarning } from '../ports/crm.ts';
import type { AlertEffect, ExpiryLedger } from '../ports/expiry-ledger.ts';
import type { SyncStateStore } from '../ports/state.ts';
import type { ExpiryAlertJob } from './alert.ts';
import { alertText, alertTitle, referralLink, taskDescription } from './messages.ts';
import type { AlertKind, DueAlert } from './plan.ts';

export interface FireAlertDeps {
  state: SyncStateStore;
  ledger: ExpiryLedger;
  /** CRM writers by kind; the referral's sync state says which CRM holds its opportunity. */
  crm: Partial<Record<CrmKind, CrmExpiryWriter>>;
  /** Hands the alert to the webhook queue (jobId: expiryAlertJobId). Never posts inline. */
  enqueueWebhook(job: ExpiryAlertJob): Promise<void>;
  timeZone: string;
  linkTemplate: string | null;
}

/** Counters the scan reports; fireAlert adds to them. */
export interface FireCounts {
  warnings: number;
  contactMe: number;
  expired: number;
  /** Alerts claimed this run but left for the next one (CRM failed or not synced yet, enqueue failed). */
  retryLater: number;
  crmFailures: number;
  /** The referral has no CRM record yet (inbound sync has not created it): retried next scan. */
  notInCrm: number;
  webhookFailures: number;
  /** Another worker held the claim. */
  busy: number;
}

export type FireOutcome = 'completed' | 'already-done' | 'busy' | 'closed' | 'retry-later';

export interface FireResult {
  outcome: FireOutcome;
  /** The CRM side of this alert is not known to be done: later levels must not overtake it. */
  crmPending: boolean;
}

/** Which effects complete an alert: contact-me is a chat alert only, expired a CRM status only. */
const EFFECTS: Record<AlertKind, { crm: boolean; webhook: boolean }> = {
  warning: { crm: true, webhook: true },
  'contact-me': { crm: false, webhook: true },
  expired: { crm: true, webhook: false },
};

/**
 * Fires one due alert at most once: claim, then each missing effect, then complete. A failed
 * effect releases the claim so the next scan retries only what is missing. With `crmBlocked`
 * (an earlier level's CRM update is still pending) the CRM effect waits, so the opportunity's
 * "expiry level" field never moves back from 24h to 72h; the webhook is independent and goes.
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
  const needs = EFFECTS[alert.kind];
  if (claim.status === 'busy') {
    counts.busy += 1;
    return { outcome: 'busy', crmPending: needs.crm };
  }
  const has = (effect: AlertEffect) => claim.effectsDone.has(effect);
  const alertLog = log.child({ expiryLevel: alert.level, alert: alert.kind });

  let crmOk = !needs.crm || has('crm');
  if (!crmOk && !crmBlocked) crmOk = await applyCrm(deps, alertLog, referral, alert, now, counts);
  let webhookOk = !needs.webhook || has('webhook-enqueued');
  if (!webhookOk) webhookOk = await enqueue(deps, alertLog, referral.id, alert, now, counts);

  if (crmOk && webhookOk && (await deps.ledger.complete(referral.id, alert.level, claim.token, now))) {
    const key = alert.kind === 'warning' ? 'warnings' : alert.kind === 'contact-me' ? 'contactMe' : 'expired';
    counts[key] += 1;
    alertLog.info('expiry alert fired');
    return { outcome: 'completed', crmPending: false };
  }
  await deps.ledger.release(referral.id, alert.level, claim.token);
  counts.retryLater += 1;
  return { outcome: 'retry-later', crmPending: !crmOk };
}

async function applyCrm(
  deps: FireAlertDeps,
  log: Logger,
  referral: Referral,
  alert: DueAlert,
  now: Date,
  counts: FireCounts,
): Promise<boolean> {
  const synced = await deps.state.get(referral.id);
  if (!synced || synced.crmId === '') {
    counts.notInCrm += 1;
    log.info('no CRM opportunity yet; the expiry update waits for the next scan');
    return false;
  }
  const writer = deps.crm[synced.crm];
  if (!writer) {
    counts.crmFailures += 1;
    log.error({ crm: synced.crm }, 'no expiry writer configured for this CRM');
    return false;
  }
  const link = referralLink(deps.linkTemplate, referral.id);
  const text = alertText(referral, referral.id, alert.deadline, now, deps.timeZone);
  const warning: ExpiryWarning = {
    referralId: referral.id,
    crmId: synced.crmId,
    level: alert.level,
    deadline: alert.deadline,
    taskSubject: alertTitle(alert.kind, alert.level, text),
    taskDescription: taskDescription(alert.kind, referral.id, text, link),
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

async function enqueue(
  deps: FireAlertDeps,
  log: Logger,
  referralId: string,
  alert: DueAlert,
  now: Date,
  counts: FireCounts,
): Promise<boolean> {
  const job: ExpiryAlertJob = {
    referralId,
    kind: alert.kind,
    level: alert.level,
    deadline: alert.deadline.toISOString(),
    firedAt: now.toISOString(),
  };
  try {
    await deps.enqueueWebhook(job);
  } catch (err) {
    counts.webhookFailures += 1;
    log.warn({ err }, 'webhook alert could not be queued; retried next scan');
    return false;
  }
  await deps.ledger.markEffectDone(referralId, alert.level, 'webhook-enqueued', now);
  return true;
}
