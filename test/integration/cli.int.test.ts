import { execFile, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectRedis, deletePrefix } from '../../connectors/redis/connection.ts';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { syncOnce } from '../../jobs/sync-once.ts';
import { makeReferral } from '../fakes/partner-center/fixtures.ts';
import { startHttpsEntra } from '../fakes/partner-center/entra-https.ts';
import { CLI_FROM_SOURCE } from './cli-entry.ts';
import { REDIS_URL, startStack, type Stack } from './harness.ts';

/*
 * The CLI as an admin runs it: a real process, the environment as its only input. Admin
 * commands read the state a worker left in Redis (the stack below plays the worker).
 */
let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

const baseEnv = {
  PATH: process.env.PATH ?? '',
  PARTNER_CENTER_CLIENT_ID: 'cli-test',
  TOKEN_CACHE_KEY: Buffer.alloc(32, 3).toString('base64'),
  SALESFORCE_CLIENT_ID: 'cli-test',
  SALESFORCE_USERNAME: 'sync@example.com',
  SALESFORCE_PRIVATE_KEY: 'not-a-real-key',
  REDIS_URL,
};

/** All the Redis-only commands get: no CRM or Partner Center settings at all (#18). */
const redisOnlyEnv = { PATH: process.env.PATH ?? '', REDIS_URL };

function cli(args: string[], env: Record<string, string> = {}, base: Record<string, string> = baseEnv) {
  const r = spawnSync(process.execPath, [...CLI_FROM_SOURCE, ...args], {
    env: { ...base, ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
const adminCli = (args: string[], env: Record<string, string>) => cli(args, env, redisOnlyEnv);

describe('referral-sync CLI', () => {
  it('--help lists the commands', () => {
    const r = cli(['--help']);
    expect(r.code).toBe(0);
    for (const c of [
      'start',
      'demo',
      'login',
      'sync',
      'validate-mapping',
      'mapping',
      'doctor',
      'replay',
      'history',
      'at-risk',
      'status',
      'dashboard',
      'webhook',
      'reconcile',
    ]) {
      expect(r.out).toMatch(new RegExp(`^\\s+${c}\\b`, 'm'));
    }
  });

  it('refuses to start with a bad environment, naming every variable and never a value', () => {
    const secret = 'sekret-value-that-must-not-print';
    const r = cli(['sync'], {
      PARTNER_CENTER_CLIENT_ID: '',
      PULL_INTERVAL_MS: 'often',
      SALESFORCE_CLIENT_SECRET: secret,
      SALESFORCE_AUTH: 'magic',
    });
    expect(r.code).toBe(2);
    for (const name of ['PARTNER_CENTER_CLIENT_ID', 'PULL_INTERVAL_MS', 'SALESFORCE_AUTH'])
      expect(r.err).toContain(name);
    expect(r.err + r.out).not.toContain(secret);
  });

  it('reconcile offers --dry-run and --json', () => {
    const r = cli(['reconcile', '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/--dry-run\s+list the drift, queue nothing/);
    expect(r.out).toMatch(/--json\s+machine-readable output/);
  });

  it('rejects a --within that is not a number of hours', () => {
    const r = cli(['at-risk', '--within', 'soon']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--within takes a number of hours/);
  });

  it('says exactly how to start Redis when it is unreachable', () => {
    const r = cli(['status'], { REDIS_URL: 'redis://127.0.0.1:1' });
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/Redis is not reachable at redis:\/\/127\.0\.0\.1:1/);
    expect(r.err).toMatch(/docker compose up -d redis/);
  });

  it('status, at-risk, replay, history and report act on what the worker left in Redis with only REDIS_URL and REDIS_PREFIX set (#18)', async () => {
    stack = await startStack();
    const soon = makeReferral(
      { expirationDateTime: new Date(Date.now() + 20 * 3600_000).toISOString() },
      'marketplace-lead',
    );
    const bad = makeReferral({ details: { dealValue: 'lots' } as never }, 'co-sell');
    const later = [1, 2, 3].map(() =>
      makeReferral({ expirationDateTime: new Date(Date.now() + 10 * 24 * 3600_000).toISOString() }, 'co-sell'),
    );
    stack.pc.seed([...later, soon, bad]);
    await syncOnce(stack.rt, { maxWaitMs: 30_000 });
    const env = { REDIS_PREFIX: stack.prefix };

    const status = adminCli(['status'], env);
    expect(status.code).toBe(0);
    expect(status.out).toMatch(/parked referrals: 1/);
    expect(status.out).toContain(bad.id);

    const atRisk = adminCli(['at-risk', '--json', '--within', '24'], env);
    expect(atRisk.code).toBe(0);
    const rows = JSON.parse(atRisk.out) as { referralId: string; level: string | null }[];
    expect(rows.map((r) => r.referralId)).toEqual([soon.id]);
    expect(rows[0]?.level).toBe('24h');

    const replay = adminCli(['replay', bad.id], env);
    expect(replay.code).toBe(0);
    expect(replay.out).toContain(`queued ${bad.id}`);
    expect(await stack.rt.parking.list()).toEqual([]);

    expect(adminCli(['history', soon.id], env).out).toContain('(no history)');

    const report = adminCli(['report', '--json'], env);
    expect(report.code).toBe(0);
    expect(JSON.parse(report.out)).toMatchObject({ report: { overall: { received: expect.any(Number) } } });
  });

  it('status prints each parked reason on one line, and reports a Redis data loss (#14, #12)', async () => {
    stack = await startStack();
    await stack.rt.parking.park({
      referralId: 'ref-x',
      reason: 'bad value\nparked referrals: 0\u001b[2J',
      stage: 'map',
      at: new Date().toISOString(),
    });
    await stack.redis.del(`${stack.prefix}:epoch`);
    await stack.rt.stateWatch.checkNow();
    const status = cli(['status'], { REDIS_PREFIX: stack.prefix });
    expect(status.code).toBe(0);
    expect(status.out.split('\n').filter((l) => l.startsWith('parked referrals:'))).toEqual(['parked referrals: 1']);
    expect(status.out).not.toContain('\u001b');
    expect(status.out).toMatch(/Redis data loss: noticed .*, rebuild still running \(1 in all\)/);
  });

  it('dismiss takes a parked referral off the list with a reason; status lists it as dismissed; an unknown one exits 1 (#15)', async () => {
    stack = await startStack();
    await stack.rt.parking.park({
      referralId: 'ref-demo',
      reason: 'mapping: CloseDate not a date',
      stage: 'map',
      at: new Date().toISOString(),
    });
    const env = { REDIS_PREFIX: stack.prefix };
    expect(adminCli(['dismiss', 'ref-demo'], env).code).not.toBe(0);
    const ok = adminCli(['dismiss', 'ref-demo', '--reason', 'test data from the demo tenant'], env);
    expect(ok.code).toBe(0);
    expect(await stack.rt.parking.list()).toEqual([]);
    const status = adminCli(['status'], env);
    expect(status.out).toMatch(/parked referrals: 0/);
    expect(status.out).toMatch(/dismissed referrals: 1\n.*ref-demo by cli:\S+: test data from the demo tenant/);
    const unknown = adminCli(['dismiss', 'ref-nobody', '--reason', 'x'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('is not parked');
  });

  it('the Redis-only commands still check what they read: a bad REDIS_PREFIX exits 2 naming it (#18)', () => {
    for (const command of [
      ['status'],
      ['at-risk'],
      ['history', 'x'],
      ['replay', 'x'],
      ['dismiss', 'x', '--reason', 'y'],
    ]) {
      const r = adminCli(command, { REDIS_PREFIX: 'not a prefix' });
      expect(r.code, command[0]).toBe(2);
      expect(r.err).toMatch(/REDIS_PREFIX letters, digits/);
      expect(r.err).not.toMatch(/PARTNER_CENTER|SALESFORCE|TOKEN_CACHE_KEY/);
    }
  });

  it('sync --max-wait takes seconds and refuses anything else before starting (#14)', () => {
    const r = cli(['sync', '--max-wait', 'soon']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('--max-wait takes a number of seconds');
  });

  it('replay of an id nobody has seen fails with exit 1, queues nothing and parks nothing (#15)', async () => {
    stack = await startStack();
    const env = { REDIS_PREFIX: stack.prefix };
    const r = cli(['replay', 'not-a-real-id'], env);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/referral not-a-real-id is not known here/);
    expect(r.out).not.toMatch(/queued/);
    expect(await stack.rt.syncQueue.getJobCounts()).toMatchObject({ waiting: 0, delayed: 0, prioritized: 0 });
    expect(await stack.rt.parking.list(10)).toEqual([]);
  });

  it('sync does not require --once: help and usage agree that one cycle is what it does (#15)', () => {
    const r = cli(['sync', '--help']);
    expect(r.code).toBe(0);
    expect(r.out).not.toMatch(/required option/);
    expect(r.out).toMatch(/--once\s+one cycle, then exit \(the default/);
    const bare = cli(['sync'], { REDIS_URL: 'redis://127.0.0.1:1' });
    expect(bare.err).not.toMatch(/required option '--once'/);
  });

  it('demo --port abc is refused before anything starts (#15)', () => {
    const r = cli(['demo', '--port', 'abc'], { REDIS_URL: 'redis://127.0.0.1:1' });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--port takes a port number from 0 to 65535, not 'abc'/);
    expect(r.err).not.toMatch(/Redis|NaN/);
  });

  it('signs in to Partner Center and Dataverse at an authority host named in ENTRA_KNOWN_AUTHORITIES (#15)', async () => {
    const entra = await startHttpsEntra();
    try {
      const env = {
        NODE_EXTRA_CA_CERTS: entra.caFile,
        ENTRA_AUTHORITY_HOST: entra.authorityHost,
        ENTRA_KNOWN_AUTHORITIES: entra.host,
        PARTNER_CENTER_AUTH: 'app',
        PARTNER_CENTER_TENANT_ID: 'contoso.example',
        PARTNER_CENTER_CLIENT_SECRET: 'pc-secret',
        CRM: 'dynamics',
        DYNAMICS_URL: 'https://127.0.0.1:1',
        DYNAMICS_TENANT_ID: 'contoso.example',
        DYNAMICS_CLIENT_ID: 'dv-client',
        DYNAMICS_CLIENT_SECRET: 'dv-secret',
        // Without the setting msal asks login.microsoftonline.com first; bounded, so the test cannot hang.
        TOKEN_TIMEOUT_MS: '5000',
        HTTP_TIMEOUT_MS: '5000',
        REDIS_PREFIX: `cli-entra-${process.pid}`,
      };
      // Not spawnSync: the fake answers from this process, so the test must not block it while doctor runs.
      const r = await promisify(execFile)(process.execPath, [...CLI_FROM_SOURCE, 'doctor'], {
        env: { ...baseEnv, ...env },
        encoding: 'utf8',
        timeout: 60_000,
      }).catch((err: { stdout?: string }) => ({ stdout: err.stdout ?? '' }));
      expect(r.stdout).toMatch(/^\[ok\] +Partner Center sign-in/m);
      expect(entra.tokensIssued.get('cli-test')).toBeGreaterThan(0);
      expect(entra.tokensIssued.get('dv-client')).toBeGreaterThan(0); // the Dataverse sign-in got its token too
    } finally {
      await entra.close();
    }
  });
  it('mapping apply, history, show and rollback keep versions an admin can script (issue 17)', async () => {
    const prefix = `cli-mapping-${process.pid}`;
    const redis = connectRedis({ url: REDIS_URL });
    const dir = await mkdtemp(join(tmpdir(), 'cli-mapping-'));
    try {
      const text = await readFile('config/mapping.default.yaml', 'utf8');
      const edited = join(dir, 'edited.yaml');
      await writeFile(edited, text.replace('valuesDefault: Prospecting', 'valuesDefault: Discovery'));
      const env = { REDIS_PREFIX: prefix };
      expect(cli(['mapping', 'apply', 'config/mapping.default.yaml', '-m', 'baseline'], env).code).toBe(0);
      const applied = cli(['mapping', 'apply', edited, '-m', 'rename stage'], env);
      expect(applied.out).toContain('saved mapping version 2');
      expect(cli(['mapping', 'show'], env).out).toContain('valuesDefault: Discovery');
      expect(cli(['mapping', 'diff'], env).out).toMatch(/^\+\s+valuesDefault: Discovery$/m);
      expect(cli(['mapping', 'rollback', '1', '-m', 'sellers asked'], env).code).toBe(0);
      const history = cli(['mapping', 'history'], env).out.split('\n');
      expect(history[0]).toMatch(/^\*\s+3 .* cli:\S+\s+sellers asked$/);
      const bad = join(dir, 'bad.yaml');
      await writeFile(bad, text.replace('      createOnly: true', '      createOnyl: true'));
      const refused = cli(['mapping', 'apply', bad], env);
      expect(refused.code).toBe(1);
      expect(refused.err).toContain('unknown key (did you mean "createOnly"?)');
    } finally {
      await deletePrefix(redis, prefix);
      await redis.quit();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
