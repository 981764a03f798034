import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AUTH,
  bearer,
  startDashboardStack,
  TOKENS,
  type DashboardStack,
} from '../../test/integration/dashboard-stack.ts';

let ds: DashboardStack | undefined;
afterEach(async () => {
  await ds?.close();
  ds = undefined;
});

/** fetch() will not send a Host of our choosing; node:http does. */
function send(port: number, method: string, path: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('Host header (DNS rebinding, #14)', () => {
  const rebound = (port: number) => ({
    host: `rebind.attacker.example:${port}`,
    origin: `http://rebind.attacker.example:${port}`,
    'sec-fetch-site': 'same-origin',
  });

  it('refuses the referrals page for an unknown host name with 421', async () => {
    ds = await startDashboardStack();
    expect(await send(ds.server.port, 'GET', '/', rebound(ds.server.port))).toBe(421);
  });

  it('refuses to pause the queues for a rebound page', async () => {
    ds = await startDashboardStack();
    expect(await send(ds.server.port, 'PUT', '/queues/admin/api/queues/pause', rebound(ds.server.port))).toBe(421);
    expect(await ds.stack.rt.pullQueue.isPaused()).toBe(false);
  });

  it('serves loopback names and a name from DASHBOARD_ALLOWED_HOSTS', async () => {
    ds = await startDashboardStack({ server: { allowedHosts: ['ops.example.com'] } });
    expect(await send(ds.server.port, 'GET', '/', { host: `localhost:${ds.server.port}` })).toBe(200);
    expect(await send(ds.server.port, 'GET', '/', { host: 'ops.example.com' })).toBe(200);
  });

  it('still answers /healthz under any name (a proxy may forward it)', async () => {
    ds = await startDashboardStack();
    expect(await send(ds.server.port, 'GET', '/healthz', { host: 'lb.internal' })).toBe(200);
  });
});

describe('security headers (#14)', () => {
  it('the referrals page carries a Content-Security-Policy without inline script and no framing', async () => {
    ds = await startDashboardStack();
    const res = await fetch(`http://127.0.0.1:${ds.server.port}/`);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('same-origin');
  });
});

describe('queue board headers (#14)', () => {
  it('bull-board under /queues gets the full policy, with base-uri self for its <base href>', async () => {
    ds = await startDashboardStack();
    for (const path of ['/queues', '/queues/admin']) {
      const csp = (await fetch(`http://127.0.0.1:${ds.server.port}${path}`)).headers.get('content-security-policy');
      expect(csp?.split('; ')).toEqual([
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
      ]);
    }
  });
});

describe('failed sign-ins (#14)', () => {
  it('answers 429 after 10 wrong tokens from one client, even to a right one', async () => {
    ds = await startDashboardStack({ server: { auth: AUTH } });
    const get = (token: string) =>
      fetch(`http://127.0.0.1:${(ds as DashboardStack).server.port}/`, { headers: bearer(token) });
    for (let i = 0; i < 10; i += 1) expect((await get(`wrong-${i}`)).status).toBe(401);
    const blocked = await get(TOKENS.operator);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  const failTenTimesThenSignIn = async (firstClient: string, secondClient: string) => {
    const get = (token: string, client: string) =>
      fetch(`http://127.0.0.1:${(ds as DashboardStack).server.port}/`, {
        headers: { ...bearer(token), 'x-forwarded-for': `${client}, 127.0.0.1` },
      });
    for (let i = 0; i < 10; i += 1) expect((await get(`wrong-${i}`, firstClient)).status).toBe(401);
    return {
      other: (await get(TOKENS.operator, secondClient)).status,
      same: (await get(TOKENS.operator, firstClient)).status,
    };
  };

  it('behind a listed proxy, counts the client named in X-Forwarded-For: one client cannot lock out another', async () => {
    ds = await startDashboardStack({ server: { auth: { ...AUTH, trustedProxies: ['127.0.0.1'] } } });
    expect(await failTenTimesThenSignIn('198.51.100.1', '198.51.100.2')).toEqual({ other: 200, same: 429 });
  });

  it('from a peer that is not a listed proxy, ignores X-Forwarded-For (a client cannot dodge the limit with it)', async () => {
    ds = await startDashboardStack({ server: { auth: AUTH } });
    expect(await failTenTimesThenSignIn('198.51.100.1', '198.51.100.2')).toEqual({ other: 429, same: 429 });
  });
});

describe('page scripts (charts)', () => {
  it('serves the chart library from our own origin, behind sign-in, cacheable under a versioned name', async () => {
    ds = await startDashboardStack({ server: { auth: AUTH } });
    const { assets } = await import('./assets.ts');
    const url = `http://127.0.0.1:${ds.server.port}${assets().chart.path}`;
    expect((await fetch(url)).status).toBe(401);
    const res = await fetch(url, { headers: bearer(TOKENS.viewer) });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/javascript/);
    expect(res.headers.get('cache-control')).toContain('immutable');
    expect(await res.text()).toContain('Chart');
  });
});
