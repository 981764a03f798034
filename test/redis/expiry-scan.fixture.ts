import type { Referral } from '../../src/domain/referral.ts';
import { expiryAlertJobId, type ExpiryAlertJob } from '../../src/expiry/alert.ts';
import type { AlertJobState, AlertQueue } from '../../src/ports/alert-queue.ts';
import { toLevels } from '../../src/expiry/levels.ts';
import type { ExpiryScanDeps } from '../../src/expiry/run-expiry-scan.ts';
import type { CrmExpiryWriter, ExpiryWarning } from '../../src/ports/crm.ts';
import type { ExpiryLedger } from '../../src/ports/expiry-ledger.ts';
import type { ReferralStore, ReferralSyncState, SyncStateStore } from '../../src/ports/state.ts';
import { RetryableError } from '../../src/errors.ts';
import type { Logger } from '../../src/log/logger.ts';

/** A logger that drops everything; the scan's logging is not under test here. */
export const silentLog: Logger = (() => {
  const noop = () => undefined;
  const log: Record<string, unknown> = { info: noop, warn: noop, error: noop, debug: noop, trace: noop, fatal: noop };
  log.child = () => log;
  return log as unknown as Logger;
})();

/*
 * Test support for the expiry scan: plain-object fakes of the stores and the CRM, a clock the
 * test moves by hand, and a recorder for queued webhook jobs. The ledger is the real Redis one.
 */

export const CREATED = '2025-03-03T09:14:00Z';
/** Deadline 2025-03-17T00:00Z: levels at 03-14T00:00 (72 h), 03-16T00:00 (24 h), 03-16T20:00 (4 h). */
export const DEADLINE = '2025-03-17T00:00:00Z';
export const at = (iso: string): Date => new Date(iso);

export function referral(overrides: Partial<Referral> = {}): Referral {
  return {
    id: 'ref-1',
    eTag: '"e1"',
    status: 'New',
    substatus: 'Pending',
    name: 'Teams Phone rollout',
    createdDateTime: CREATED,
    expirationDateTime: DEADLINE,
    customerProfile: {
      name: 'Bluefin Logistics GmbH',
      team: [{ firstName: 'Lena', lastName: 'Vogt', email: 'lena@bluefin.example', phoneNumber: '+49 40 1234567' }],
    },
    team: [{ firstName: 'Omar', lastName: 'Haddad', email: 'omar@northwind.example' }],
    ...overrides,
  };
}

export function fakeReferralStore(initial: Referral[] = []) {
  const byId = new Map(initial.map((r) => [r.id, r]));
  const store: ReferralStore & { set(r: Referral): void } = {
    async putMany(referrals) {
      for (const r of referrals) byId.set(r.id, r);
    },
    async get(id) {
      return byId.get(id) ?? null;
    },
    async idsWithStatus(status) {
      return [...byId.values()].filter((r) => r.status === status).map((r) => r.id);
    },
    set(r) {
      byId.set(r.id, r);
    },
  };
  return store;
}

export function fakeSyncState(referralIds: string[]) {
  const states = new Map<string, ReferralSyncState>(
    referralIds.map((id) => [
      id,
      { eTag: '"e1"', draftHash: 'h', crm: 'salesforce', crmId: `006-${id}`, writtenBack: true, syncedAt: CREATED },
    ]),
  );
  const store: SyncStateStore & { states: typeof states } = {
    states,
    async get(id) {
      return states.get(id) ?? null;
    },
    async put(id, state) {
      states.set(id, state);
    },
  };
  return store;
}

/**
 * Records each successful call; `failures` makes the next N calls throw a RetryableError.
 * readAppliedExpiry answers from what was applied (tasks per alert, the last level set), the
 * way the real writers read the opportunity and its tasks back.
 */
export function fakeCrm() {
  const crm: CrmExpiryWriter & {
    applied: ExpiryWarning[];
    calls: number;
    reads: number;
    failures: number;
    levelOf(crmId: string): string | undefined;
  } = {
    applied: [],
    calls: 0,
    reads: 0,
    failures: 0,
    async readAppliedExpiry(q) {
      crm.reads += 1;
      const mine = crm.applied.filter((w) => w.crmId === q.crmId);
      const tasks = new Set(mine.map((w) => w.level).filter((level) => q.alerts.includes(level)));
      return { level: crm.levelOf(q.crmId) ?? null, tasks };
    },
    async applyExpiryWarning(warning) {
      crm.calls += 1;
      await new Promise((resolve) => setImmediate(resolve)); // let concurrent scans interleave
      if (crm.failures > 0) {
        crm.failures -= 1;
        throw new RetryableError('salesforce 503');
      }
      crm.applied.push(warning);
    },
    levelOf(crmId) {
      return crm.applied.filter((w) => w.crmId === crmId && w.setsLevel !== false).at(-1)?.level;
    },
  };
  return crm;
}

export function manualClock(start: Date) {
  let now = start;
  return {
    now: () => now,
    set(iso: string) {
      now = new Date(iso);
    },
  };
}

/**
 * The webhook queue as the scan sees it. With `autoDeliver` (the default) an added job counts as
 * posted at once, as if the webhook worker were instant: it records 'webhook-posted' in the
 * ledger and reads as completed. Without it, jobs stay pending until the test sets `states`.
 */
export function fakeAlertQueue(ledger: () => ExpiryLedger, autoDeliver = true) {
  const queued: ExpiryAlertJob[] = [];
  const states = new Map<string, AlertJobState>();
  const retried: string[] = [];
  const queue: AlertQueue & { queued: ExpiryAlertJob[]; states: typeof states; retried: string[] } = {
    queued,
    states,
    retried,
    async add(job) {
      const id = expiryAlertJobId(job);
      if ((states.get(id)?.state ?? 'missing') !== 'missing') return;
      queued.push(job);
      if (!autoDeliver) {
        states.set(id, { state: 'pending' });
        return;
      }
      await ledger().markEffectDone(job.referralId, job.level, 'webhook-posted', new Date(job.firedAt));
      states.set(id, { state: 'completed', result: 'posted' });
    },
    async state(job) {
      return states.get(expiryAlertJobId(job)) ?? { state: 'missing' };
    },
    async retry(job) {
      const id = expiryAlertJobId(job);
      if (states.get(id)?.state !== 'failed') return;
      retried.push(id);
      states.set(id, { state: 'pending' });
    },
  };
  return queue;
}

export interface Harness {
  deps: ExpiryScanDeps;
  referrals: ReturnType<typeof fakeReferralStore>;
  state: ReturnType<typeof fakeSyncState>;
  crm: ReturnType<typeof fakeCrm>;
  clock: ReturnType<typeof manualClock>;
  queued: ExpiryAlertJob[];
  alerts: ReturnType<typeof fakeAlertQueue>;
  /** Same stores, CRM and queue, another ledger (another worker, or the same one after a restart). */
  withLedger(ledger: ExpiryLedger): ExpiryScanDeps;
}

export function harness(ledger: ExpiryLedger, referrals: Referral[], contactMe = false, autoDeliver = true): Harness {
  const store = fakeReferralStore(referrals);
  const state = fakeSyncState(referrals.map((r) => r.id));
  const crm = fakeCrm();
  const clock = manualClock(at(CREATED));
  // The instant webhook worker records into the ledger of whoever queued last.
  let current = ledger;
  const alerts = fakeAlertQueue(() => current, autoDeliver);
  const withLedger = (l: ExpiryLedger): ExpiryScanDeps => ({
    referrals: store,
    state,
    ledger: l,
    crm: { salesforce: crm },
    alerts: {
      ...alerts,
      add: async (job) => {
        current = l;
        await alerts.add(job);
      },
    },
    crmWaitForWebhookMs: 10 * 60_000,
    clock,
    log: silentLog,
    levels: toLevels([72, 24, 4]),
    timeZone: 'Europe/Berlin',
    linkTemplate: 'https://crm.example/referrals/{referralId}',
    isContactMe: () => contactMe,
  });
  return { deps: withLedger(ledger), referrals: store, state, crm, clock, queued: alerts.queued, alerts, withLedger };
}

/** Count of items per key, e.g. CRM levels applied: { '72h': 1, '24h': 1 }. */
export const tally = <T>(items: T[], key: (item: T) => string): Record<string, number> =>
  items.reduce<Record<string, number>>((acc, item) => ({ ...acc, [key(item)]: (acc[key(item)] ?? 0) + 1 }), {});
