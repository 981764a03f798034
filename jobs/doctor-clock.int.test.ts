import { afterEach, describe, expect, it } from 'vitest';
import { parseEnv, type Env } from '../src/config/env.ts';
import { readRemoteClock } from '../connectors/shared/remote-clock.ts';
import { startStallServer, type StallServer } from '../test/fakes/shared/stall-server.ts';
import { CLOCK_TOLERANCE_MS, clockLine, clockSourcesFromEnv } from './doctor-clock.ts';
import { runDoctor } from './doctor.ts';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

function env(over: Record<string, string> = {}): Env {
  const r = parseEnv({
    PARTNER_CENTER_CLIENT_ID: 'app-id',
    TOKEN_CACHE_KEY: Buffer.alloc(32, 7).toString('base64'),
    SALESFORCE_CLIENT_ID: 'sf-id',
    SALESFORCE_USERNAME: 'sync@example.com',
    SALESFORCE_PRIVATE_KEY: 'unused',
    REDIS_URL,
    ...over,
  });
  if (!r.ok) throw new Error(r.problems.join('; '));
  return r.env;
}

/** A remote whose `Date` header is `skewMs` away from real time (an API answering 401). */
async function remoteWithClock(skewMs: number): Promise<StallServer> {
  const server = await startStallServer((_req, _body, res) => {
    res
      .writeHead(401, { Date: new Date(Date.now() + skewMs).toUTCString(), 'content-type': 'application/json' })
      .end('{}');
  });
  server.stall(false);
  return server;
}

let servers: StallServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

describe('clock skew (issue 12)', () => {
  it.each([
    [0, 'ok'],
    [CLOCK_TOLERANCE_MS - 1000, 'ok'],
    [-(CLOCK_TOLERANCE_MS + 1000), 'fail'],
    [10 * 60_000, 'fail'],
  ] as const)('a skew of %i ms is %s', (skewMs, status) => {
    expect(clockLine('Salesforce', skewMs).status).toBe(status);
  });

  it('says which way the clock is off, by how much, and to use NTP', () => {
    expect(clockLine('Salesforce (login.salesforce.com)', 10 * 60_000 + 3000).detail).toMatch(
      /^this machine's clock is 10 min 3 s ahead of Salesforce \(login\.salesforce\.com\).*JWT sign-in.*NTP/,
    );
  });

  it('reads a remote clock from the Date header of any answer', async () => {
    const s = await remoteWithClock(-10 * 60_000);
    servers.push(s);
    const { remote, local } = await readRemoteClock(s.url, 5_000);
    // 10 minutes behind, give or take the header's whole seconds and a slow machine.
    expect(local.getTime() - remote.getTime()).toBeGreaterThan(10 * 60_000 - 5_000);
    expect(local.getTime() - remote.getTime()).toBeLessThan(10 * 60_000 + 5_000);
  });

  it('doctor fails on a CRM 10 minutes off and passes the one in step', async () => {
    const pc = await remoteWithClock(0);
    const sf = await remoteWithClock(-10 * 60_000);
    servers.push(pc, sf);
    const e = env({ PARTNER_CENTER_API_URL: pc.url, SALESFORCE_LOGIN_URL: sf.url });
    const report = await runDoctor(e, {
      remotes: async () => ({ tokens: { getAccessToken: async () => 'token' }, clocks: clockSourcesFromEnv(e) }),
    });
    const clockLines = report.lines.filter((l) => l.check.startsWith('clock vs'));
    expect(clockLines.map((l) => [l.check.replace(/\(.*\)/, '(host)'), l.status])).toEqual([
      ['clock vs Partner Center (host)', 'ok'],
      ['clock vs Salesforce (host)', 'fail'],
    ]);
    expect(clockLines[1]?.detail).toMatch(/ahead of Salesforce.*NTP/);
    expect(report.failed).toBe(true);
  });

  it('a remote that cannot be reached is a warning, not a failure', async () => {
    const gone = await startStallServer();
    await gone.close();
    const e = env({
      PARTNER_CENTER_API_URL: gone.url,
      CRM: 'dynamics',
      DYNAMICS_URL: gone.url,
      DYNAMICS_TENANT_ID: 't',
      DYNAMICS_CLIENT_ID: 'c',
      DYNAMICS_CLIENT_SECRET: 's',
    });
    const report = await runDoctor(e, {
      remotes: async () => ({ tokens: { getAccessToken: async () => 'token' }, clocks: clockSourcesFromEnv(e) }),
    });
    expect(report.lines.filter((l) => l.check.startsWith('clock vs')).map((l) => l.status)).toEqual(['warn', 'warn']);
  });
});
