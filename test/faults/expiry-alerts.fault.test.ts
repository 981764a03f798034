import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createRedisExpiryLedger } from '../../connectors/redis/expiry-ledger.ts';
import type { Referral } from '../../src/domain/referral.ts';
import { idempotencyKeyOf } from '../../src/expiry/alert.ts';
import { makeReferral } from '../fakes/partner-center/fixtures.ts';
import { startFakePartnerCenter } from '../fakes/partner-center/server.ts';
import { startFakeSalesforce, type FakeSalesforce } from '../fakes/salesforce/fake-salesforce.ts';
import { testKeys, TEST_CLIENT_ID, TEST_USERNAME } from '../fakes/salesforce/salesforce-harness.ts';
import { PC_CLIENT } from '../integration/harness.ts';
import {
  countBy,
  expectOneRecordEach,
  startPrivateRedis,
  startWorkerChild,
  stopChild,
  waitFor,
  type PrivateRedis,
  type WorkerChildConfig,
} from './fault-kit.ts';

/*
 * Issues 12 and 20: expiry alerts under kill -9 of the workers, and after Redis lost its data.
 * Referrals sit at various distances from their deadline (real clock), so the first scans find
 * 1, 2 or 3 warning levels reached, plus contact-me requests. A local JSON receiver records each
 * post's idempotency key. Every wait is for a state (keys received, ledger entries done), never
 * for a time. A private redis-server is used; the shared one is never touched.
 */
const hasRedisServer = spawnSync('redis-server', ['--version']).status === 0;
const HOUR = 3_600_000;
let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => undefined);
  cleanup = [];
});

/** Referrals with the (referral, alert) pairs that must fire for each. */
function scenario(perBucket: number): { referrals: Referral[]; alerts: [string, string][] } {
  const now = Date.now();
  const referrals: Referral[] = [];
  const alerts: [string, string][] = [];
  const add = (r: Referral, levels: string[]) => {
    referrals.push(r);
    for (const level of levels) alerts.push([r.id, level]);
  };
  const iso = (ms: number) => new Date(ms).toISOString();
  const created = iso(now - 5 * 24 * HOUR);
  for (let i = 0; i < perBucket; i++) {
    add(makeReferral({ createdDateTime: created, expirationDateTime: iso(now + 100 * HOUR) }, 'co-sell'), []);
    add(makeReferral({ createdDateTime: created, expirationDateTime: iso(now + 71 * HOUR) }, 'co-sell'), ['72h']);
    add(makeReferral({ createdDateTime: created, expirationDateTime: iso(now + 23 * HOUR) }, 'co-sell'), [
      '72h',
      '24h',
    ]);
    add(makeReferral({ createdDateTime: created, expirationDateTime: iso(now + 3 * HOUR) }, 'co-sell'), [
      '72h',
      '24h',
      '4h',
    ]);
    // A marketplace lead asking to be contacted, created an hour ago: contact-me at once.
    add(
      makeReferral({ createdDateTime: iso(now - HOUR), expirationDateTime: iso(now + 71 * HOUR) }, 'marketplace-lead'),
      ['contact-me', '72h'],
    );
  }
  return { referrals, alerts };
}

/** A JSON webhook receiver that answers after a short delay, so posts are in flight when a worker dies. */
async function receiver() {
  const posts = new Map<string, number>();
  const mismatched: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const key = String(req.headers['x-idempotency-key']);
      const inBody = (JSON.parse(body) as { idempotencyKey?: unknown }).idempotencyKey;
      if (inBody !== key) mismatched.push(key);
      setTimeout(
        () => {
          posts.set(key, (posts.get(key) ?? 0) + 1);
          res.writeHead(200).end('ok');
        },
        20 + Math.floor(Math.random() * 60),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanup.push(() => new Promise((r) => server.close(() => r())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, posts, mismatched };
}

async function setup(redis: PrivateRedis, perBucket: number) {
  const pc = await startFakePartnerCenter({ ...PC_CLIENT, latencyMs: 5 });
  const keys = testKeys();
  const sf = await startFakeSalesforce({
    jwt: { clientId: TEST_CLIENT_ID, username: TEST_USERNAME, publicKey: keys.publicKey },
    latencyMs: 10,
  });
  cleanup.push(async () => {
    await pc.close();
    await sf.close();
  });
  const { referrals, alerts } = scenario(perBucket);
  pc.seed(referrals);
  const hook = await receiver();
  const config: WorkerChildConfig = {
    redisUrl: redis.url,
    prefix: `fault-expiry-${randomBytes(4).toString('hex')}`,
    concurrency: 50,
    pc: { url: pc.url, ...PC_CLIENT, metadata: pc.msalMetadata(pc.tenantId) },
    sf: { url: sf.url, clientId: TEST_CLIENT_ID, username: TEST_USERNAME, privateKey: keys.privateKey },
    expiry: { webhookUrl: hook.url, scanIntervalMs: 500 },
  };
  const out: string[] = [];
  const start = () => {
    const c = startWorkerChild(config, out);
    cleanup.push(() => stopChild(c));
    return c;
  };
  const client = new Redis(redis.url, { maxRetriesPerRequest: 3 });
  client.on('error', () => undefined); // reconnects by itself across restartEmpty()
  cleanup.push(async () => void client.disconnect());
  const ledger = createRedisExpiryLedger({ redis: client, prefix: config.prefix });
  /** Every expected alert is done in the ledger: CRM effect and webhook post both recorded. */
  const allDone = async () => {
    for (const [id, level] of alerts) if (!(await ledger.read(id)).fired.has(level)) return false;
    return true;
  };
  return {
    sf,
    referrals,
    alerts,
    hook,
    start,
    allDone,
    expectedKeys: alerts.map(([referralId, level]) => idempotencyKeyOf({ referralId, level })),
  };
}

const tasksPerKey = (sf: FakeSalesforce) => countBy(sf.records('Task'), 'Referral_Sync_Key__c');

function expectOneTaskEach(sf: FakeSalesforce, alerts: [string, string][]): void {
  const counts = tasksPerKey(sf);
  const wrong = alerts.map(([id, level]) => `${id}-${level}`).filter((k) => counts.get(k) !== 1);
  expect(wrong, 'alerts without exactly one CRM task').toEqual([]);
  expect(sf.records('Task')).toHaveLength(alerts.length);
}

describe('fault: expiry alerts under kill -9 and Redis data loss', () => {
  it.skipIf(!hasRedisServer)(
    '(a) workers killed repeatedly while alerts fire: every reached level posted, one key each, one task each',
    async () => {
      const redis = await startPrivateRedis();
      cleanup.push(() => redis.dispose());
      const s = await setup(redis, 12);
      const workers = [s.start(), s.start(), s.start()];

      await waitFor('the first alert posts', () => s.hook.posts.size > 0, 60_000, 20);
      let kills = 0;
      for (let round = 0; round < 9 && s.hook.posts.size < s.expectedKeys.length; round++) {
        const seen = [...s.hook.posts.values()].reduce((a, b) => a + b, 0);
        const i = round % workers.length;
        const victim = workers[i];
        if (victim) await stopChild(victim); // SIGKILL
        kills += 1;
        workers[i] = s.start();
        // Kill again only once the survivors made progress, so kills land while alerts fire.
        await waitFor(
          'another post',
          () =>
            [...s.hook.posts.values()].reduce((a, b) => a + b, 0) > seen || s.hook.posts.size >= s.expectedKeys.length,
          60_000,
          20,
        );
      }
      expect(kills).toBeGreaterThan(0);

      await waitFor('every alert done in the ledger', s.allDone, 90_000, 200);
      await waitFor('one task per alert', () => s.sf.records('Task').length >= s.alerts.length, 30_000);

      expect(s.hook.mismatched, 'posts whose header and body keys differ').toEqual([]);
      expect([...s.hook.posts.keys()].sort(), 'distinct idempotency keys received').toEqual([...s.expectedKeys].sort());
      expect([...s.hook.posts.values()].every((n) => n >= 1)).toBe(true);
      expectOneTaskEach(s.sf, s.alerts);
      expectOneRecordEach(
        s.sf.records('Opportunity'),
        'Referral_Id__c',
        s.referrals.map((r) => r.id),
      );
      const duplicates = [...s.hook.posts.values()].filter((n) => n > 1).length;
      console.info(
        `[expiry-alerts] ${kills} kills, ${s.expectedKeys.length} alerts, ${duplicates} re-posted with the same key`,
      );
    },
    240_000,
  );

  it.skipIf(!hasRedisServer)(
    '(b) Redis restarted empty after alerts were delivered: no alert posted again, no second task',
    async () => {
      const redis = await startPrivateRedis();
      cleanup.push(() => redis.dispose());
      const s = await setup(redis, 8);
      let workers = [s.start(), s.start()];
      await waitFor('every alert done in the ledger', s.allDone, 90_000, 200);
      for (const w of workers) await stopChild(w);
      expect([...s.hook.posts.keys()].sort()).toEqual([...s.expectedKeys].sort());
      expect(
        [...s.hook.posts.values()].filter((n) => n !== 1),
        'keys posted more than once',
      ).toEqual([]);
      expectOneTaskEach(s.sf, s.alerts);

      await redis.restartEmpty();
      workers = [s.start(), s.start()];
      // The new workers pull and sync again (the sync state went with Redis), then the scan finds
      // the ledger empty, reads the CRM and records every applied alert as done.
      await waitFor('every alert recalled from the CRM into the new ledger', s.allDone, 90_000, 200);
      for (const w of workers) await stopChild(w);

      expect(
        [...s.hook.posts.values()].filter((n) => n !== 1),
        'keys posted more than once',
      ).toEqual([]);
      expect(s.hook.posts.size).toBe(s.expectedKeys.length);
      expectOneTaskEach(s.sf, s.alerts);
      expectOneRecordEach(
        s.sf.records('Opportunity'),
        'Referral_Id__c',
        s.referrals.map((r) => r.id),
      );
    },
    240_000,
  );
});
