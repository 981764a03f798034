import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createStateEpoch, type StateLoss } from '../../connectors/redis/state-epoch.ts';
import { makeReferrals } from '../fakes/partner-center/fixtures.ts';
import { startFakePartnerCenter } from '../fakes/partner-center/server.ts';
import { startFakeSalesforce } from '../fakes/salesforce/fake-salesforce.ts';
import { testKeys, TEST_CLIENT_ID, TEST_USERNAME } from '../fakes/salesforce/salesforce-harness.ts';
import { PC_CLIENT } from '../integration/harness.ts';
import {
  appliedWriteBacks,
  expectNoSecrets,
  expectOneRecordEach,
  expectWrittenBackOnce,
  parkedOf,
  startPrivateRedis,
  startWorkerChild,
  stopChild,
  waitFor,
  type WorkerChildConfig,
} from './fault-kit.ts';

/*
 * Issue 12, fault 2: Redis restarts without its data (no persistence) under two running worker
 * processes that are NOT restarted. Before: schedules and checkpoint were gone, the workers never
 * pulled again, 200 new referrals were never synced, sellers' stage and close date were reset on
 * a rebuild, and nothing reported the loss. Now each worker notices the missing epoch marker,
 * registers the schedules again and queues a full pull; the sync compares with the CRM before
 * writing; the loss is recorded for /readyz, /metrics and the log.
 */
const hasRedisServer = spawnSync('redis-server', ['--version']).status === 0;
const N = 600;
const NEW_AFTER_LOSS = 200;
const SELLER_EDITS = 60;
let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => undefined);
  cleanup = [];
});

describe('fault: Redis restarted empty under running workers', () => {
  it.skipIf(!hasRedisServer)(
    "notices, re-pulls, syncs the new referrals once, keeps sellers' edits, writes nothing back twice",
    async () => {
      const redis = await startPrivateRedis();
      cleanup.push(() => redis.dispose());
      const pc = await startFakePartnerCenter({ ...PC_CLIENT, latencyMs: 2 });
      const keys = testKeys();
      const sf = await startFakeSalesforce({
        jwt: { clientId: TEST_CLIENT_ID, username: TEST_USERNAME, publicKey: keys.publicKey },
        latencyMs: 10,
      });
      cleanup.push(async () => {
        await pc.close();
        await sf.close();
      });
      const referrals = makeReferrals(N);
      pc.seed(referrals);
      const prefix = `fault-loss-${randomBytes(4).toString('hex')}`;
      // The alert webhook receiver: ops notices land here.
      const notices: { key: string | undefined; body: { notice?: { kind?: string } } }[] = [];
      const receiver = createServer((req, res) => {
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString()));
        req.on('end', () => {
          notices.push({
            key: req.headers['idempotency-key'] as string | undefined,
            body: JSON.parse(body) as { notice?: { kind?: string } },
          });
          res.writeHead(204).end();
        });
      });
      await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
      cleanup.push(() => new Promise<void>((r) => receiver.close(() => r())));
      const config: WorkerChildConfig = {
        notifyUrl: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`,
        redisUrl: redis.url,
        prefix,
        concurrency: 300,
        pc: { url: pc.url, ...PC_CLIENT, metadata: pc.msalMetadata(pc.tenantId) },
        sf: { url: sf.url, clientId: TEST_CLIENT_ID, username: TEST_USERNAME, privateKey: keys.privateKey },
        schedule: { pullIntervalMs: 1_500, pollIntervalMs: 60_000 },
        stateCheckIntervalMs: 500,
        failedSweepIntervalMs: 2_000,
      };
      const out: string[] = [];
      const workers = [startWorkerChild(config, out), startWorkerChild(config, out)];
      cleanup.push(async () => {
        for (const w of workers) await stopChild(w);
      });

      const openOf = (rs: typeof referrals) => rs.filter((r) => r.status !== 'Closed');
      await waitFor(
        'the first sync',
        () => sf.records('Opportunity').length >= N && appliedWriteBacks(pc).size >= openOf(referrals).length,
        90_000,
      );
      // Sellers move stage and close date (create-only fields) on some opportunities.
      const edited = sf
        .records('Opportunity')
        .slice(0, SELLER_EDITS)
        .map((o) => String(o.Id));
      for (const id of edited) sf.updateAsUser(id, { StageName: 'Negotiation/Review', CloseDate: '2030-01-31' });
      const patchesBefore = pc.patches.length;

      await redis.restartEmpty();
      // Partner Center goes on: new referrals arrive after the loss.
      const fresh = makeReferrals(NEW_AFTER_LOSS, Date.now());
      pc.seed(fresh);
      const all = [...referrals, ...fresh];

      await waitFor(
        'the new referrals synced and written back by the same processes',
        () => sf.records('Opportunity').length >= all.length && appliedWriteBacks(pc).size >= openOf(all).length,
        120_000,
      );
      const check = new Redis(redis.url);
      cleanup.push(async () => void (await check.quit()));
      const epoch = createStateEpoch(check, prefix);
      let loss: StateLoss | null = null;
      await waitFor(
        'the rebuild to finish',
        async () => (loss = await epoch.loss())?.recoveredAt !== undefined,
        60_000,
        200,
      );
      await waitFor(
        'the queue to drain',
        async () => (await check.llen(`${prefix}:sync:wait`)) + (await check.zcard(`${prefix}:sync:delayed`)) === 0,
        30_000,
      );

      expect(workers.every((w) => w.child.exitCode === null)).toBe(true);
      expect(loss).toMatchObject({ count: 1 });
      // One notice for the one loss, from the worker that noticed it first.
      expect(notices.map((n) => n.body.notice?.kind)).toEqual(['state-loss']);
      expect(notices[0]?.key).toMatch(/^referral-sync-state-loss:/);
      const logged = out.join('');
      expect(logged).toContain('Redis lost its data');

      const opps = sf.records('Opportunity');
      expectOneRecordEach(
        opps,
        'Referral_Id__c',
        all.map((r) => r.id),
      );
      const oppOf = new Map(opps.map((o) => [String(o.Referral_Id__c), String(o.Id)]));
      // Old referrals keep their one write-back; the new ones got one each; nothing else was patched.
      expectWrittenBackOnce(pc, all, (id) => oppOf.get(id));
      const after = pc.patches.slice(patchesBefore);
      const freshIds = new Set(fresh.map((r) => r.id));
      expect(
        after.filter((p) => p.outcome !== 'applied' || !freshIds.has(p.id)),
        'PATCHes after the loss besides the new write-backs',
      ).toEqual([]);
      expect(after.length).toBe(openOf(fresh).length);
      // Sellers' create-only edits survived the rebuild.
      const resetEdits = edited.filter((id) => {
        const o = sf.record('Opportunity', id);
        return o?.StageName !== 'Negotiation/Review' || o.CloseDate !== '2030-01-31';
      });
      expect(resetEdits, 'seller edits reset by the rebuild').toEqual([]);
      // The sync state is rebuilt for every referral, old and new (expiry and outbound read it).
      const withoutState = [];
      for (const r of all) if ((await check.exists(`${prefix}:state:${r.id}`)) === 0) withoutState.push(r.id);
      expect(withoutState, 'referrals without sync state after the rebuild').toEqual([]);
      expect(await parkedOf(redis.url, prefix)).toEqual([]);
      expect(await check.zcard(`${prefix}:sync:failed`)).toBe(0);
      expectNoSecrets(logged, { pc, extra: sf.issuedAccessTokens() });
    },
    300_000,
  );
});
