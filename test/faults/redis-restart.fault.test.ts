import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { makeReferrals } from '../fakes/partner-center/fixtures.ts';
import { startFakePartnerCenter } from '../fakes/partner-center/server.ts';
import { startFakeSalesforce } from '../fakes/salesforce/fake-salesforce.ts';
import { testKeys, TEST_CLIENT_ID, TEST_USERNAME } from '../fakes/salesforce/salesforce-harness.ts';
import { PC_CLIENT } from '../integration/harness.ts';
import {
  expectNoSecrets,
  expectOneRecordEach,
  expectWrittenBackOnce,
  parkedOf,
  sleep,
  startPrivateRedis,
  startWorkerChild,
  stopChild,
  waitFor,
} from './fault-kit.ts';

/*
 * Redis dies (SIGKILL: no shutdown save) in the middle of a 1000-referral run and comes back
 * on the same port from its append-only file (default appendfsync everysec, so up to a second
 * of writes may be gone). The worker process is not restarted: it reconnects and finishes, and
 * the end state is exact. A private redis-server is used; the shared one is never touched.
 */
const hasRedisServer = spawnSync('redis-server', ['--version']).status === 0;
let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => undefined);
  cleanup = [];
});

describe('fault: Redis restarted mid-run (AOF)', () => {
  it.skipIf(!hasRedisServer)(
    'the worker reconnects and finishes: one opportunity each, ids written back once',
    async () => {
      const redis = await startPrivateRedis();
      cleanup.push(() => redis.dispose());
      const pc = await startFakePartnerCenter({ ...PC_CLIENT, latencyMs: 5 });
      const keys = testKeys();
      // Latency keeps collection calls in flight long enough for Redis to die under them.
      const sf = await startFakeSalesforce({
        jwt: { clientId: TEST_CLIENT_ID, username: TEST_USERNAME, publicKey: keys.publicKey },
        latencyMs: 150,
      });
      cleanup.push(async () => {
        await pc.close();
        await sf.close();
      });
      const referrals = makeReferrals(1000);
      pc.seed(referrals);
      const prefix = `fault-redis-${randomBytes(4).toString('hex')}`;
      const out: string[] = [];
      const worker = startWorkerChild(
        {
          redisUrl: redis.url,
          prefix,
          concurrency: 300,
          pc: { url: pc.url, ...PC_CLIENT, metadata: pc.msalMetadata(pc.tenantId) },
          sf: { url: sf.url, clientId: TEST_CLIENT_ID, username: TEST_USERNAME, privateKey: keys.privateKey },
        },
        out,
      );
      cleanup.push(() => stopChild(worker));

      await waitFor('the first opportunities', () => sf.records('Opportunity').length >= 250, 40_000, 20);
      await redis.kill();
      const atKill = sf.records('Opportunity').length;
      expect(atKill).toBeLessThan(1000); // it really died mid-run
      await sleep(500);
      await redis.start();

      // The child pulled once, at start: the ~700 referrals left can only be finished from jobs
      // that survived in the AOF (an empty Redis would leave them undone and this wait time out).
      const open = referrals.filter((r) => r.status !== 'Closed');
      const writtenBack = () => new Set(pc.patches.filter((p) => p.outcome === 'applied').map((p) => p.id)).size;
      await waitFor(
        'every opportunity and write-back',
        () => sf.records('Opportunity').length >= 1000 && writtenBack() >= open.length,
        60_000,
      );
      // Anything still in flight settles; then nothing more may happen.
      await sleep(1500);
      expect(worker.child.exitCode).toBeNull(); // the same process, reconnected

      const opps = sf.records('Opportunity');
      expectOneRecordEach(
        opps,
        'Referral_Id__c',
        referrals.map((r) => r.id),
      );
      const oppOf = new Map(opps.map((o) => [String(o.Referral_Id__c), String(o.Id)]));
      expectWrittenBackOnce(pc, referrals, (id) => oppOf.get(id));
      expect(await parkedOf(redis.url, prefix)).toEqual([]);
      const check = new Redis(redis.url);
      try {
        expect(await check.llen(`${prefix}:sync:wait`)).toBe(0);
        expect(await check.zcard(`${prefix}:sync:failed`)).toBe(0);
      } finally {
        await check.quit();
      }
      const logged = out.join('');
      expect(logged).not.toContain('could not park referral');
      expectNoSecrets(logged, { pc, extra: sf.issuedAccessTokens() });
    },
    120_000,
  );
});
