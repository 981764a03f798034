import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis, mastersOf } from '../../connectors/redis/connection.ts';
import { redisPolicy } from '../../jobs/http/readiness.ts';
import { aofEnabled } from '../../jobs/doctor.ts';
import { syncOnce } from '../../jobs/sync-once.ts';
import { makeReferral, makeReferrals } from '../fakes/partner-center/fixtures.ts';
import { idle, startStack } from './harness.ts';

/*
 * REDIS_CLUSTER=true against a real three-master Redis Cluster started here (redis-server and
 * redis-cli from the machine): the whole sync (BullMQ queues, our stores, Lua scripts,
 * transactions) runs on it with a hash-tagged prefix, and readiness checks every master.
 */
const servers: ChildProcess[] = [];
const ports: number[] = [];
let dir = '';

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

async function until(what: string, check: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check().catch(() => false))) {
    if (Date.now() > end) throw new Error(`redis cluster: ${what} did not happen within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rs-cluster-'));
  for (let i = 0; i < 3; i++) ports.push(await freePort());
  for (const port of ports) {
    servers.push(
      spawn(
        'redis-server',
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          join(dir, `nodes-${port}.conf`),
          '--dir',
          dir,
          '--save',
          '',
          '--appendonly',
          'no',
        ],
        { stdio: 'ignore' },
      ),
    );
  }
  for (const port of ports) {
    await until(`node ${port} up`, async () => {
      const r = new Redis(port, '127.0.0.1', { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
      r.on('error', () => undefined);
      try {
        await r.connect();
        return (await r.ping()) === 'PONG';
      } finally {
        r.disconnect();
      }
    });
  }
  const created = spawnSync(
    'redis-cli',
    ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'],
    { encoding: 'utf8' },
  );
  if (created.status !== 0) throw new Error(`redis-cli --cluster create failed: ${created.stderr || created.stdout}`);
  for (const port of ports) {
    await until(`node ${port} sees the cluster ok`, async () => {
      const r = new Redis(port, '127.0.0.1');
      try {
        return /cluster_state:ok/.test(await r.cluster('INFO'));
      } finally {
        r.disconnect();
      }
    });
  }
}, 60_000);

afterAll(async () => {
  for (const s of servers) s.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

const clusterUrl = () => `redis://127.0.0.1:${ports[1]}`;

describe('Redis Cluster (REDIS_CLUSTER=true)', () => {
  it('syncs referrals in and decisions out on a three-master cluster, every key in one slot', async () => {
    const prefix = `{it-${randomBytes(4).toString('hex')}}`;
    const stack = await startStack({ outbound: true, redis: { url: clusterUrl(), cluster: true, prefix } });
    try {
      const referrals = makeReferrals(200);
      const accept = makeReferral({ createdDateTime: '2025-01-02T00:00:00Z' }, 'co-sell');
      stack.pc.seed([...referrals, accept]);
      const first = await syncOnce(stack.rt, { maxWaitMs: 60_000 });
      expect(first).toMatchObject({ created: 201, parked: 0, pending: 0 });
      expect(stack.sf.fake.records('Opportunity')).toHaveLength(201);

      const opp = stack.sf.fake.records('Opportunity').find((o) => o.Referral_Id__c === accept.id);
      stack.sf.fake.updateAsUser(String(opp?.Id), {
        Referral_Decision__c: 'Accept',
        Amount: 5_000,
        CloseDate: '2026-06-30',
      });
      const out = stack.rt.outbound;
      if (!out) throw new Error('outbound is on');
      await out.poll();
      await idle(out.pushQueue);
      expect(stack.pc.get(accept.id)).toMatchObject({ status: 'Active', substatus: 'Accepted' });

      // Every key of this deployment sits on the one master that owns the hash tag's slot.
      const perMaster = await Promise.all(
        mastersOf(stack.redis).map(async (node) => (await node.keys(`${prefix}:*`)).length),
      );
      expect(perMaster.filter((n) => n > 0)).toHaveLength(1);
      expect(perMaster.reduce((a, b) => a + b, 0)).toBeGreaterThan(200);
    } finally {
      await stack.close();
    }
  });

  it('readiness and doctor look at every master: one evicting master is reported', async () => {
    const cluster = connectRedis({ url: clusterUrl(), cluster: true });
    try {
      await until('cluster client ready', async () => (await cluster.ping()) === 'PONG');
      expect(mastersOf(cluster)).toHaveLength(3);
      expect(await redisPolicy(cluster)).toMatchObject({ reachable: true, policy: 'noeviction' });
      expect(await aofEnabled(cluster)).toBe(false);

      const last = mastersOf(cluster)[2];
      await last?.config('SET', 'maxmemory-policy', 'allkeys-lru');
      expect(await redisPolicy(cluster)).toMatchObject({ reachable: true, policy: 'allkeys-lru' });
      await last?.config('SET', 'maxmemory-policy', 'noeviction');
    } finally {
      cluster.disconnect();
    }
  });
});
