/*
 * Shared pieces of the fault tests (issue 8): end-state checks every fault test makes, worker
 * child processes, and a private redis-server that a test may kill and restart (the shared test
 * Redis is never restarted, flushed or reconfigured).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { expect } from 'vitest';
import type { Referral } from '../../src/domain/referral.ts';
import { syncOnce, type SyncOnceSummary } from '../../jobs/sync-once.ts';
import type { Runtime } from '../../jobs/runtime.ts';
import type { ParkedReferral } from '../../src/ports/state.ts';
import { createRedisParkingLot } from '../../connectors/redis/parking-lot.ts';
import type { FakePartnerCenter } from '../fakes/partner-center/server.ts';
import { TEST_CLIENT_SECRET, testKeys } from '../fakes/salesforce/salesforce-harness.ts';
import { PC_CLIENT } from '../integration/harness.ts';

export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  everyMs = 100,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Pull-and-sync cycles until one changes nothing. A pull stops at changes stamped after it began
 * (pull-referrals.ts), and the fakes stamp bursts of writes a few ms ahead of the clock, so an
 * edit made right before a pull may land in the next one, as it would with a skewed service.
 */
export async function syncUntilQuiet(rt: Runtime, maxRuns = 4, maxWaitMs = 45_000): Promise<SyncOnceSummary> {
  const total: SyncOnceSummary = {
    fetched: 0,
    created: 0,
    updated: 0,
    unchanged: 0,
    parked: 0,
    invalid: 0,
    pending: 0,
  };
  for (let run = 0; run < maxRuns; run++) {
    const s = await syncOnce(rt, { maxWaitMs });
    for (const k of Object.keys(total) as (keyof SyncOnceSummary)[]) total[k] += s[k];
    if (s.created + s.updated === 0 && s.pending === 0) return total;
  }
  return total;
}

/** How many CRM records carry each external id (`key`), for "exactly one opportunity each". */
export function countBy(records: Record<string, unknown>[], key: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of records) {
    const v = r[key];
    if (typeof v === 'string') out.set(v, (out.get(v) ?? 0) + 1);
  }
  return out;
}

/** Every referral in exactly one record, and no record for anything else. */
export function expectOneRecordEach(records: Record<string, unknown>[], key: string, ids: readonly string[]): void {
  const counts = countBy(records, key);
  const wrong = ids.filter((id) => counts.get(id) !== 1).map((id) => `${id}: ${counts.get(id) ?? 0}`);
  expect(wrong, 'referrals without exactly one CRM record').toEqual([]);
  const expected = new Set(ids);
  expect(
    [...counts.keys()].filter((id) => !expected.has(id)),
    'CRM records for referrals that should have none',
  ).toEqual([]);
  expect(records.length).toBe(ids.length);
}

const touchesOnly = (ops: unknown, path: string) =>
  Array.isArray(ops) && ops.every((op) => (op as { path?: unknown }).path === path);

/** Applied PATCHes that wrote the CRM id back (externalReferenceId only), per referral id. */
export function appliedWriteBacks(pc: FakePartnerCenter): Map<string, unknown[]> {
  const out = new Map<string, unknown[]>();
  for (const p of pc.patches) {
    if (p.outcome !== 'applied' || !touchesOnly(p.ops, '/externalReferenceId')) continue;
    const value = Array.isArray(p.ops) ? (p.ops[0] as { value?: unknown } | undefined)?.value : undefined;
    out.set(p.id, [...(out.get(p.id) ?? []), value]);
  }
  return out;
}

/**
 * The partner's side in Partner Center: each referral that accepts edits (not Closed) got its
 * opportunity id written back exactly once and now shows `crmIdOf(id)`; Closed ones got none.
 */
export function expectWrittenBackOnce(
  pc: FakePartnerCenter,
  referrals: readonly Referral[],
  crmIdOf: (referralId: string) => string | undefined,
): void {
  const writeBacks = appliedWriteBacks(pc);
  const open = referrals.filter((r) => r.status !== 'Closed');
  const twice = [...writeBacks]
    .filter(([, values]) => values.length !== 1)
    .map(([id, values]) => `${id}: ${values.length}`);
  expect(twice, 'referrals written back more than once').toEqual([]);
  expect(
    open.filter((r) => !writeBacks.has(r.id)).map((r) => r.id),
    'open referrals never written back',
  ).toEqual([]);
  const closed = new Set(referrals.filter((r) => r.status === 'Closed').map((r) => r.id));
  expect(
    [...writeBacks.keys()].filter((id) => closed.has(id)),
    'Closed referrals patched',
  ).toEqual([]);
  const mismatched = open.filter((r) => pc.get(r.id)?.externalReferenceId !== crmIdOf(r.id)).map((r) => r.id);
  expect(mismatched, 'externalReferenceId differs from the CRM id').toEqual([]);
}

/** Parked referrals of a prefix, read the way the dashboard reads them. */
export async function parkedOf(redisUrl: string, prefix: string): Promise<ParkedReferral[]> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
  try {
    return await createRedisParkingLot(redis, prefix).list(1000);
  } finally {
    await redis.quit();
  }
}

/**
 * The credentials the fakes know: no log line may contain any of them (nor a bearer header or a
 * PEM key). `extra` adds tokens of further fakes (Salesforce, Dataverse).
 */
export function expectNoSecrets(logText: string, o: { pc: FakePartnerCenter; extra?: readonly string[] }): void {
  expect(logText.length, 'the run logged something').toBeGreaterThan(0);
  const keyBody = testKeys()
    .privateKey.split('\n')
    .filter((l) => l.length > 40);
  const secrets = [
    ...o.pc.issuedAccessTokens(),
    ...(o.extra ?? []),
    PC_CLIENT.clientSecret,
    TEST_CLIENT_SECRET,
    ...keyBody,
  ];
  const leaked = secrets.filter((s) => s.length >= 8 && logText.includes(s)).map((s) => `${s.slice(0, 6)}…`);
  expect(leaked, 'secrets found in the log').toEqual([]);
  expect(logText).not.toMatch(/Bearer\s+[A-Za-z0-9]/);
  expect(logText).not.toMatch(/PRIVATE KEY-----/);
}

export interface WorkerChildConfig {
  redisUrl: string;
  /** Also run the expiry engine (test/integration/worker-child.ts). */
  expiry?: { webhookUrl: string; scanIntervalMs: number };
  prefix: string;
  concurrency: number;
  /** The upsert batcher's quiet window (the child's default: 50 ms). */
  batchWindowMs?: number;
  pc: { url: string; clientId: string; clientSecret: string; metadata: ReturnType<FakePartnerCenter['msalMetadata']> };
  sf: { url: string; clientId: string; username: string; privateKey: string };
  /** Repeatable pull (and poll) as `start` runs them; absent: one pull at start. */
  schedule?: { pullIntervalMs: number; pollIntervalMs: number };
  outbound?: boolean;
  /** Sharing opportunities with Microsoft (issue 16); needs outbound. */
  share?: boolean;
  stateCheckIntervalMs?: number;
  failedSweepIntervalMs?: number;
  notifyUrl?: string;
}

/** A real worker in its own process (test/integration/worker-child.ts): pulls once, then works the queue. */
export function startWorkerChild(
  config: WorkerChildConfig,
  output: string[],
): { child: ChildProcess; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/integration/worker-child.ts'], {
    env: { ...process.env, WORKER_CHILD_CONFIG: JSON.stringify(config) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => output.push(d.toString()));
  child.stderr?.on('data', (d: Buffer) => output.push(d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited };
}

export async function stopChild(c: { child: ChildProcess; exited: Promise<number | null> }): Promise<void> {
  if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
  await c.exited;
}

export const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

export interface PrivateRedis {
  url: string;
  /** SIGKILL: no shutdown save, whatever the AOF had on disk is what survives. */
  kill(): Promise<void>;
  /** Starts redis-server again on the same port and directory (it replays the AOF). */
  start(): Promise<void>;
  /** Kills it, deletes its data files and starts it again: every key is gone. */
  restartEmpty(): Promise<void>;
  /** Kills it and removes its directory. */
  dispose(): Promise<void>;
}

/** A redis-server of our own with AOF on, in a temporary directory, on a free port. */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const dir = await mkdtemp(join(tmpdir(), 'rsync-fault-redis-'));
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let proc: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  const ready = async () => {
    await waitFor(
      `redis-server on port ${port}`,
      async () => {
        const probe = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
        probe.on('error', () => undefined);
        try {
          await probe.connect();
          // Still loading the AOF answers LOADING to most commands: wait until it answers PING.
          await probe.ping();
          await probe.quit();
          return true;
        } catch {
          probe.disconnect();
          return false;
        }
      },
      10_000,
      50,
    );
  };

  const start = async () => {
    proc = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        '--appendonly',
        'yes',
        '--save',
        '',
        '--protected-mode',
        'no',
      ],
      { stdio: 'ignore' },
    );
    const p = proc;
    exited = new Promise<void>((resolve) => p.once('exit', () => resolve()));
    await ready();
  };
  const kill = async () => {
    if (proc && proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    await exited;
  };
  await start();
  return {
    url,
    start,
    kill,
    async restartEmpty() {
      await kill();
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir);
      await start();
    },
    async dispose() {
      await kill();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
