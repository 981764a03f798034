import { afterEach, describe, expect, it } from 'vitest';
import { makeReferral } from '../../test/fakes/partner-center/fixtures.ts';
import {
  atRiskFor,
  AUTH,
  bearer,
  startDashboardStack,
  TOKENS,
  type DashboardStack,
} from '../../test/integration/dashboard-stack.ts';
import { REDIS_URL } from '../../test/integration/harness.ts';
import type { WebhookRequest } from '../webhook-intake/handler.ts';
import { createReconcileReportStore } from '../../connectors/redis/reconcile-report.ts';
import { startHttpServer } from './server.ts';
import { startStandaloneDashboard } from './standalone.ts';
import { partnerCenterWebhookRoute } from './webhook-route.ts';

let ds: DashboardStack | undefined;
afterEach(async () => {
  await ds?.close();
  ds = undefined;
});

const local = (d: DashboardStack, path: string) => `http://127.0.0.1:${d.server.port}${path}`;
const hoursFromNow = (h: number) => new Date(Date.now() + h * 3_600_000).toISOString();

describe('ops endpoints', () => {
  it('/metrics exposes the named series; /healthz and /readyz answer', async () => {
    ds = await startDashboardStack();
    const created = new Date(Date.now() - 13 * 86_400_000).toISOString();
    const soon = makeReferral({
      createdDateTime: created,
      updatedDateTime: created,
      expirationDateTime: hoursFromNow(3),
    });
    const broken = { ...makeReferral(), details: { dealValue: 'lots' } };
    await ds.seed([makeReferral(), soon, broken]);
    await ds.stack.rt.outbound?.poll();
    await ds.stack.rt.expiry?.scan();
    ds.metrics.apiCall('partner-center');
    ds.metrics.rateLimited('salesforce');
    ds.metrics.tokenFailure('partner-center');

    expect(await (await fetch(local(ds, '/healthz'))).json()).toEqual({ ok: true });
    const ready = await fetch(local(ds, '/readyz'));
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true, redis: { policy: 'noeviction', source: 'config' } });

    const res = await fetch(local(ds, '/metrics'));
    expect(res.headers.get('content-type')).toMatch(/text\/plain/);
    const text = await res.text();
    for (const line of [
      'referral_sync_jobs{queue="sync",state="completed"} 2',
      'referral_sync_referrals{status="New",crm="salesforce"} 2',
      'referral_sync_parked_referrals 1',
      'referral_sync_api_calls_total{remote="partner-center"} 1',
      'referral_sync_api_rate_limited_total{remote="salesforce"} 1',
      'referral_sync_token_failures_total{connection="partner-center"} 1',
      'referral_sync_expiry_alerts_fired{level="4h"} 1',
      'referral_sync_queue_paused{queue="pull"} 0',
    ])
      expect(text).toContain(line);
    expect(text).toMatch(/^referral_sync_sync_lag_seconds \d/m);
    expect(text).toMatch(/^referral_sync_crm_poll_lag_seconds\{crm="salesforce"\} \d/m);
  });

  it('reports a Redis data loss: /readyz 503, the rebuilding metric and a dashboard banner until the full pull finished (#12)', async () => {
    ds = await startDashboardStack();
    await ds.seed([makeReferral()]);
    const rt = ds.stack.rt;
    await ds.stack.redis.del(`${ds.stack.prefix}:epoch`);
    expect(await rt.stateWatch.checkNow()).toBe(true);

    const ready = await fetch(local(ds, '/readyz'));
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ ready: false, stateLoss: { count: 1 } });
    expect(await (await fetch(local(ds, '/metrics'), { headers: bearer(TOKENS.viewer) })).text()).toContain(
      'referral_sync_state_loss{state="rebuilding"} 1',
    );
    const page = await (await fetch(local(ds, '/'), { headers: bearer(TOKENS.viewer) })).text();
    expect(page).toContain('Redis lost its data');

    await rt.runPull();
    expect((await fetch(local(ds, '/readyz'))).status).toBe(200);
    expect(await (await fetch(local(ds, '/metrics'), { headers: bearer(TOKENS.viewer) })).text()).toContain(
      'referral_sync_state_loss{state="rebuilding"} 0',
    );
    expect(await (await fetch(local(ds, '/'), { headers: bearer(TOKENS.viewer) })).text()).toMatch(
      /Last Redis data loss noticed .* rebuilt by/,
    );
  });

  it('/readyz answers 503 while Redis has an evicting maxmemory-policy (#7)', async () => {
    ds = await startDashboardStack();
    const redis = ds.stack.redis;
    const [, before = 'noeviction'] = (await redis.config('GET', 'maxmemory-policy')) as string[];
    let res: Response;
    let body: unknown;
    // Other test files share this Redis: set, read, restore at once.
    await redis.config('SET', 'maxmemory-policy', 'allkeys-lru');
    try {
      res = await fetch(local(ds, '/readyz'));
      body = await res.json();
    } finally {
      await redis.config('SET', 'maxmemory-policy', before);
    }
    expect(res.status).toBe(503);
    expect(body).toMatchObject({
      ready: false,
      redis: { reachable: true, policy: 'allkeys-lru', source: 'config', ok: false },
    });
  });

  it('/readyz answers 503 while a credential failure has paused queues', async () => {
    const checkedAt = new Date().toISOString();
    ds = await startDashboardStack({
      credentials: () => [
        { name: 'partner-center', ok: true, checkedAt },
        {
          name: 'salesforce',
          ok: false,
          reason: 'salesforce: refresh token revoked',
          checkedAt,
          pausedQueues: ['sync', 'push-salesforce'],
        },
      ],
    });
    const res = await fetch(local(ds, '/readyz'));
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({
      ready: false,
      redis: { ok: true },
      pausedByCredentials: [{ connection: 'salesforce', queues: ['sync', 'push-salesforce'] }],
    });
    const page = await (await fetch(local(ds, '/'))).text();
    expect(page).toContain('refresh token revoked');
  });
});

describe('reconcile report (issue 12)', () => {
  it("/metrics and the overview show the last sweep's drift per kind", async () => {
    ds = await startDashboardStack();
    const before = await (await fetch(local(ds, '/'))).text();
    expect(before).toContain('No reconcile sweep has run yet');
    const counts = {
      'missing-opportunity': 2,
      'deleted-opportunity': 0,
      'missing-write-back': 1,
      'missing-state': 0,
      'undelivered-decision': 0,
      'closed-in-partner-center': 3,
    };
    await createReconcileReportStore(ds.stack.redis, ds.stack.prefix).put({
      at: '2026-01-01T00:00:00.000Z',
      durationMs: 5,
      referrals: 10,
      opportunities: 8,
      counts,
      queued: 6,
      parked: 0,
    });
    const text = await (await fetch(local(ds, '/metrics'))).text();
    for (const line of [
      'referral_sync_drift{kind="missing-opportunity"} 2',
      'referral_sync_drift{kind="closed-in-partner-center"} 3',
      'referral_sync_drift{kind="missing-state"} 0',
    ]) {
      expect(text).toContain(line);
    }
    const page = await (await fetch(local(ds, '/'))).text();
    expect(page).toMatch(/<tr data-kind="missing-write-back"><td>missing-write-back<\/td><td class="num bad">1<\/td>/);
    expect(page).toContain('6 repair jobs queued');
  });
});

describe('referral pages', () => {
  it('finds a referral by its CRM id and shows its timeline without contact details', async () => {
    ds = await startDashboardStack();
    const r = makeReferral();
    await ds.seed([r]);
    const crmId = (await ds.stack.rt.state.get(r.id))?.crmId ?? '';
    const found = await fetch(local(ds, `/referrals?q=${encodeURIComponent(crmId)}`), { redirect: 'manual' });
    expect(found.status).toBe(303);
    expect(found.headers.get('location')).toBe(`/referrals/${r.id}`);
    const page = await (await fetch(local(ds, `/referrals/${r.id}`))).text();
    expect(page).toContain(r.customerProfile?.name ?? 'missing');
    expect(page).toContain(crmId);
    expect(page).not.toMatch(/@|Marquardt|Ferreira|Raman|Asante|Tanaka|Nordmann/);
    expect((await fetch(local(ds, '/referrals?q=nothing-like-this'))).status).toBe(404);
  });
});

describe('auth', () => {
  it('refuses to start beyond loopback without an auth setting', async () => {
    await expect(
      startHttpServer({} as Parameters<typeof startHttpServer>[0], { host: '0.0.0.0', port: 0 }),
    ).rejects.toThrow(/refusing to serve the dashboard on 0\.0\.0\.0 without authentication/);
  });

  it('with tokens: 401 without one, viewer reads, only an operator replays, cross-site writes refused', async () => {
    ds = await startDashboardStack({ server: { host: '0.0.0.0', auth: AUTH } });
    const r = makeReferral();
    await ds.seed([r]);
    await ds.source.parking.park({
      referralId: r.id,
      reason: 'test: simulated CRM outage',
      stage: 'crm',
      at: new Date().toISOString(),
    });

    const anonymous = await fetch(local(ds, '/'));
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await fetch(local(ds, '/'), { headers: bearer('wrong') })).status).toBe(401);
    expect((await fetch(local(ds, '/metrics'))).status).toBe(401);
    expect((await fetch(local(ds, '/healthz'))).status).toBe(200);
    expect((await fetch(local(ds, '/'), { headers: bearer(TOKENS.viewer) })).status).toBe(200);

    const replay = local(ds, `/referrals/${r.id}/replay`);
    expect((await fetch(replay, { method: 'POST', headers: bearer(TOKENS.viewer), redirect: 'manual' })).status).toBe(
      403,
    );
    expect((await fetch(local(ds, '/queues/admin'), { headers: bearer(TOKENS.viewer) })).status).toBe(403);
    const crossSite = { ...bearer(TOKENS.operator), origin: 'http://evil.example' };
    expect((await fetch(replay, { method: 'POST', headers: crossSite, redirect: 'manual' })).status).toBe(403);
    expect(await ds.source.parking.list()).toHaveLength(1);

    const ok = await fetch(replay, { method: 'POST', headers: bearer(TOKENS.operator), redirect: 'manual' });
    expect(ok.status).toBe(303);
    expect(await ds.source.parking.list()).toEqual([]);
    // bull-board: read-only for viewers (its API answers 405); the operator board pauses and logs who did it.
    const pause = (path: string, token: string) =>
      fetch(local(ds as DashboardStack, path), { method: 'PUT', headers: bearer(token) });
    expect((await pause('/queues/api/queues/push-salesforce/pause', TOKENS.viewer)).status).toBe(405);
    expect((await pause('/queues/admin/api/queues/push-salesforce/pause', TOKENS.operator)).status).toBe(200);
    expect(await ds.stack.rt.outbound?.pushQueue.isPaused()).toBe(true);
    await ds.stack.rt.outbound?.pushQueue.resume();
    const log = ds.stack.logs.text();
    expect(log).toMatch(/"action":"PUT \/queues\/admin\/api\/queues\/push-salesforce\/pause","user":"ops-test"/);
    expect(log).toMatch(/"action":"replay".*"user":"ops-test"/);
    expect(log).not.toContain(TOKENS.operator);
  });
});

describe('dismiss', () => {
  it('an operator dismisses a parked referral with a reason; who and why stay visible; a viewer may not (#15)', async () => {
    ds = await startDashboardStack({ server: { host: '0.0.0.0', auth: AUTH } });
    const r = makeReferral();
    await ds.seed([r]);
    await ds.source.parking.park({
      referralId: r.id,
      reason: 'test referral from a demo tenant',
      stage: 'map',
      at: new Date().toISOString(),
    });
    const form = (reason: string, token: string) =>
      fetch(local(ds as DashboardStack, `/referrals/${r.id}/dismiss`), {
        method: 'POST',
        redirect: 'manual',
        body: new URLSearchParams({ reason }),
        headers: { ...bearer(token), 'content-type': 'application/x-www-form-urlencoded' },
      });
    expect((await form('not ours', TOKENS.viewer)).status).toBe(403);
    expect((await form('   ', TOKENS.operator)).status).toBe(400);
    expect(await ds.source.parking.list()).toHaveLength(1);

    expect((await form('demo tenant data, never a real deal', TOKENS.operator)).status).toBe(303);
    expect(await ds.source.parking.list()).toEqual([]);
    expect(await ds.source.parking.dismissed()).toEqual([
      expect.objectContaining({
        referralId: r.id,
        dismissedBy: 'token:ops-test',
        dismissedWhy: 'demo tenant data, never a real deal',
        stage: 'map',
      }),
    ]);
    const page = await (await fetch(local(ds, '/'), { headers: bearer(TOKENS.viewer) })).text();
    expect(page).toMatch(/<table id="dismissed">[\s\S]*demo tenant data, never a real deal/);
    // Twice is not an error that loses anything: it is simply no longer parked.
    expect((await form('again', TOKENS.operator)).status).toBe(404);
  });
});

describe('mount point', () => {
  it('serves extra routes such as the webhook intake: public, with the raw body and every header value', async () => {
    const seen: WebhookRequest[] = [];
    const intake = {
      handle: async (req: WebhookRequest) => {
        seen.push(req);
        return { status: 202 as const, body: { status: 'accepted' as const, jobId: 'j-1' } };
      },
    };
    ds = await startDashboardStack({
      server: { host: '0.0.0.0', auth: AUTH, extraRoutes: [partnerCenterWebhookRoute(intake)] },
    });
    const body = '{"EventName":"referral-updated","ResourceUri":"https://api.partnercenter.microsoft.com/x"}  ';
    const res = await fetch(local(ds, '/webhooks/partner-center'), {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', 'x-ms-signature': 'c2ln' },
    });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ status: 'accepted', jobId: 'j-1' });
    expect(Buffer.from(seen[0]?.rawBody ?? []).toString('utf8')).toBe(body);
    expect(seen[0]?.headers['x-ms-signature']).toEqual(['c2ln']);
    expect((await fetch(local(ds, '/'))).status).toBe(401); // the rest still needs a token
  });
});

describe('referral-sync dashboard (alone)', () => {
  it("reads the worker's Redis through its own connection and replays onto the shared sync queue", async () => {
    ds = await startDashboardStack();
    const r = makeReferral({ name: 'Vintry cellar system' });
    await ds.seed([r]);
    await ds.source.parking.park({ referralId: r.id, reason: 'test', stage: 'crm', at: new Date().toISOString() });
    const alone = await startStandaloneDashboard({
      redisUrl: REDIS_URL,
      prefix: ds.stack.prefix,
      log: ds.stack.logs.log,
      settings: { atRisk: atRiskFor(ds.stack.mapping), attempts: 3 },
      http: { port: 0, auth: { anonymousRole: 'operator' } },
    });
    try {
      expect(await (await fetch(alone.url)).text()).toContain('Vintry cellar system');
      expect(
        (await fetch(`${alone.url}/referrals/${r.id}/replay`, { method: 'POST', redirect: 'manual' })).status,
      ).toBe(303);
      expect(await ds.source.parking.list()).toEqual([]);
      expect((await fetch(`${alone.url}/readyz`)).status).toBe(200);
    } finally {
      await alone.close();
    }
  });
});
