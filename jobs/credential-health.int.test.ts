import { randomBytes } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { deletePrefix } from '../connectors/redis/connection.ts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuthError, RetryableError } from '../src/errors.ts';
import { toBullMqError } from './processor.ts';
import { createCredentialHealth, type ConnectionHealthSpec } from './credential-health.ts';
import { createLogger } from './logger.ts';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const log = createLogger({ level: 'silent' });

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

let redis: Redis;
let prefix: string;
const closers: (() => Promise<unknown>)[] = [];
const conn = () => {
  const c = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  closers.push(async () => c.disconnect());
  return c;
};
const queue = (name: string) => {
  const q = new Queue(name, { connection: redis, prefix });
  closers.push(async () => {
    await q.obliterate({ force: true });
    await q.close();
  });
  return q;
};

beforeEach(() => {
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  prefix = `ch-${randomBytes(4).toString('hex')}`;
});
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  await deletePrefix(redis, prefix);
  await redis.quit();
});

/** A Salesforce whose sign-in can be broken and fixed, and Partner Center that works. */
function setup(connections?: ConnectionHealthSpec[]) {
  const state = { salesforceBroken: true, partnerCenterBroken: false };
  const specs = connections ?? [
    {
      name: 'partner-center',
      queues: ['pull', 'sync'],
      probe: async () => {
        if (state.partnerCenterBroken)
          throw new AuthError('the saved Partner Center sign-in can no longer be used (invalid_grant)');
      },
    },
    {
      name: 'salesforce',
      queues: ['sync', 'poll-salesforce'],
      probe: async () => {
        if (state.salesforceBroken)
          throw new AuthError('salesforce sign-in (jwt) rejected: invalid_grant: expired access/refresh token');
      },
    },
  ];
  const health = createCredentialHealth({ redis, prefix, connections: specs, log });
  closers.push(() => health.close());
  return { state, health };
}

function startWorker(state: { salesforceBroken: boolean }, processed: string[]) {
  const w = new Worker(
    'sync',
    async (job) => {
      if (state.salesforceBroken)
        throw toBullMqError(
          new AuthError("salesforce sign-in (jwt) rejected: invalid_grant: user hasn't approved this consumer"),
        );
      processed.push(String(job.id));
      return 'ok';
    },
    { connection: conn(), prefix },
  );
  closers.push(() => w.close(true));
  return w;
}

describe('credential health (real Redis, BullMQ)', () => {
  it("an AuthError pauses the connection's queues with a visible reason; a successful probe resumes them and retries the failed job", async () => {
    const { state, health } = setup();
    const sync = queue('sync');
    const poll = queue('poll-salesforce');
    await poll.pause(); // an operator paused this one before: it stays theirs
    const watcher = await health.watch(conn);
    closers.push(() => watcher.close());
    const processed: string[] = [];
    startWorker(state, processed);

    await sync.add('sync', { referralId: 'r1', eTag: 'e1' }, { jobId: 'r1-e1', attempts: 8 });
    await until(() => sync.isPaused(), 'the sync queue to pause');

    const sf = (await health.credentialHealth()).find((c) => c.name === 'salesforce');
    expect(sf).toMatchObject({ ok: false, reason: expect.stringContaining('invalid_grant'), pausedQueues: ['sync'] });
    expect(sf?.pausedSince).toEqual(expect.any(String));
    expect((await health.credentialHealth()).find((c) => c.name === 'partner-center')).toMatchObject({ ok: true });
    expect(await health.pauseCause('sync')).toBe('credentials');
    expect(await health.pauseCause('poll-salesforce')).toBe('operator');
    expect(await health.pauseCause('pull')).toBe(null);
    // One attempt, not eight: the job failed once and the rest waits.
    expect((await sync.getJob('r1-e1'))?.attemptsMade).toBe(1);

    await sync.add('sync', { referralId: 'r2', eTag: 'e1' }, { jobId: 'r2-e1' });
    await health.probe(); // still broken: stays paused
    expect(await sync.isPaused()).toBe(true);
    expect(processed).toEqual([]);

    state.salesforceBroken = false;
    const after = await health.probe();
    expect(after.find((c) => c.name === 'salesforce')).toMatchObject({ ok: true });
    expect(after.find((c) => c.name === 'salesforce')?.pausedQueues).toBeUndefined();
    expect(await sync.isPaused()).toBe(false);
    expect(await poll.isPaused()).toBe(true); // the operator's pause is left alone
    await until(async () => processed.length === 2, 'both jobs to run');
    expect(processed.sort()).toEqual(['r1-e1', 'r2-e1']);
  });

  it('a probe that fails on credentials pauses before any job fails; a network failure does not', async () => {
    const { state, health } = setup();
    const sync = queue('sync');
    queue('pull');
    const report = await health.probe();
    expect(await sync.isPaused()).toBe(true);
    expect(report.find((c) => c.name === 'salesforce')).toMatchObject({
      ok: false,
      pausedQueues: ['sync', 'poll-salesforce'],
    });

    state.salesforceBroken = false;
    await health.probe();
    const flaky = createCredentialHealth({
      redis,
      prefix,
      log,
      connections: [
        {
          name: 'salesforce',
          queues: ['sync'],
          probe: () =>
            Promise.reject(new RetryableError('salesforce sign-in (jwt): token endpoint unreachable (ECONNRESET)')),
        },
      ],
    });
    closers.push(() => flaky.close());
    const r = await flaky.probe();
    expect(r[0]).toMatchObject({ ok: false, reason: expect.stringContaining('not reachable') });
    expect(await sync.isPaused()).toBe(false);
  });

  it('a queue two failing connections share resumes only when both work again', async () => {
    const { state, health } = setup();
    const sync = queue('sync');
    const pull = queue('pull');
    state.partnerCenterBroken = true;
    await health.onJobFailed('sync', 'a', 'AuthError: salesforce sign-in (jwt) rejected: invalid_grant');
    await health.onJobFailed(
      'pull',
      'b',
      'AuthError: the saved Partner Center sign-in can no longer be used (invalid_grant)',
    );
    expect([await sync.isPaused(), await pull.isPaused()]).toEqual([true, true]);

    state.salesforceBroken = false;
    await health.probe();
    expect([await sync.isPaused(), await pull.isPaused()]).toEqual([true, true]);
    state.partnerCenterBroken = false;
    await health.probe();
    expect([await sync.isPaused(), await pull.isPaused()]).toEqual([false, false]);
  });

  it('pauses nothing for a permission failure on one record, and traces an unlabelled auth failure by probing', async () => {
    const { health } = setup();
    const sync = queue('sync');
    await health.onJobFailed(
      'sync',
      'x',
      'AuthError: salesforce Opportunity INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY (referral r): insufficient access',
    );
    await health.onJobFailed('sync', 'y', 'MappingError: salesforce.fields.CloseDate: no value');
    expect(await sync.isPaused()).toBe(false);
    await health.onJobFailed('sync', 'z', 'AuthError: some sign-in failure nobody labelled');
    expect(await sync.isPaused()).toBe(true);
    expect((await health.credentialHealth()).filter((c) => !c.ok).map((c) => c.name)).toEqual(['salesforce']);
  });
});
