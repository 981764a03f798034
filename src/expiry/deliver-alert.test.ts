import { describe, expect, it } from 'vitest';
import type { Referral } from '../domain/referral.ts';
import { RetryableError } from '../errors.ts';
import type { AlertEffect } from '../ports/expiry-ledger.ts';
import type { ExpiryAlert, ExpiryAlertJob } from './alert.ts';
import { deliverExpiryAlert, type DeliverAlertDeps } from './deliver-alert.ts';
import type { Logger } from '../log/logger.ts';

/** A logger that drops everything; the scan's logging is not under test here. */
const silentLog: Logger = (() => {
  const noop = () => undefined;
  const log: Record<string, unknown> = { info: noop, warn: noop, error: noop, debug: noop, trace: noop, fatal: noop };
  log.child = () => log;
  return log as unknown as Logger;
})();

const job: ExpiryAlertJob = {
  referralId: 'r1',
  kind: 'warning',
  level: '24h',
  deadline: '2025-03-17T00:00:00.000Z',
  firedAt: '2025-03-16T00:00:00.000Z',
};

function setup(referral: Referral | null, post: (alert: ExpiryAlert) => Promise<void>) {
  const effects = new Map<string, Set<AlertEffect>>();
  const posted: ExpiryAlert[] = [];
  const deps: DeliverAlertDeps = {
    referrals: {
      async putMany() {},
      async get() {
        return referral;
      },
      async idsWithStatus() {
        return [];
      },
    },
    ledger: {
      async effectsDone(id, alert) {
        return effects.get(`${id} ${alert}`) ?? new Set();
      },
      async markEffectDone(id, alert, effect) {
        effects.set(`${id} ${alert}`, new Set([...(effects.get(`${id} ${alert}`) ?? []), effect]));
      },
    },
    clock: { now: () => new Date('2025-03-16T00:10:00Z') },
    log: silentLog,
    timeZone: 'UTC',
    linkTemplate: null,
    async post(alert) {
      await post(alert);
      posted.push(alert);
    },
  };
  return { deps, posted, effects };
}

const waiting: Referral = { id: 'r1', eTag: '"e"', status: 'New', name: 'Deal', customerProfile: { name: 'Contoso' } };

describe('deliverExpiryAlert', () => {
  it('posts once; a retry after success does not post again', async () => {
    const { deps, posted } = setup(waiting, async () => {});
    expect(await deliverExpiryAlert(deps, job)).toBe('posted');
    expect(await deliverExpiryAlert(deps, job)).toBe('already-posted');
    expect(posted.map((a) => [a.dealName, a.customerName, a.timeLeftText])).toEqual([
      ['Deal', 'Contoso', '23 h 50 min'],
    ]);
  });

  it('throws the poster failure for BullMQ to retry, then posts on the next attempt', async () => {
    let failures = 1;
    const { deps, posted } = setup(waiting, async () => {
      if (failures-- > 0) throw new RetryableError('webhook 500');
    });
    await expect(deliverExpiryAlert(deps, job)).rejects.toBeInstanceOf(RetryableError);
    expect(await deliverExpiryAlert(deps, job)).toBe('posted');
    expect(posted).toHaveLength(1);
  });

  it('drops a warning whose referral was answered while the job waited, and records the drop (#12)', async () => {
    const { deps, posted, effects } = setup({ ...waiting, status: 'Active', substatus: 'Accepted' }, async () => {});
    expect(await deliverExpiryAlert(deps, job)).toBe('stale');
    expect(posted).toEqual([]);
    expect(effects.get('r1 24h')).toEqual(new Set(['webhook-dropped']));
  });

  it('every post of one alert carries the same idempotency key (#12)', async () => {
    let failures = 1;
    const keys: string[] = [];
    const { deps } = setup(waiting, async (alert) => {
      keys.push(alert.idempotencyKey);
      if (failures-- > 0) throw new RetryableError('webhook 500');
    });
    await expect(deliverExpiryAlert(deps, job)).rejects.toBeInstanceOf(RetryableError);
    await deliverExpiryAlert(deps, job);
    expect(keys).toEqual(['referral-sync-expiry:r1:24h', 'referral-sync-expiry:r1:24h']);
  });

  it('runs the CRM follow-up after a recorded post; its failure does not fail the job (#20)', async () => {
    const { deps, effects } = setup(waiting, async () => {});
    const followed: string[] = [];
    deps.afterPosted = async (id) => {
      followed.push(id);
      expect(effects.get('r1 24h')?.has('webhook-posted')).toBe(true);
      throw new RetryableError('salesforce 503');
    };
    expect(await deliverExpiryAlert(deps, job)).toBe('posted');
    expect(followed).toEqual(['r1']);
  });

  it('still posts when the store no longer has the referral, with what the job carries', async () => {
    const { deps, posted } = setup(null, async () => {});
    expect(await deliverExpiryAlert(deps, job)).toBe('posted');
    expect(posted[0]).toMatchObject({ dealName: 'referral r1', customerName: null });
  });
});
