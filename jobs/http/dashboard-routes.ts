import type { Logger } from 'pino';
import { atRiskList, needingAction } from '../../src/expiry/at-risk.ts';
import { assets } from './assets.ts';
import { lastRuns, queueHealth } from './queue-health.ts';
import { healthSection } from './render/health.ts';
import { createReconcileReportStore } from '../../connectors/redis/reconcile-report.ts';
import { createStateEpoch } from '../../connectors/redis/state-epoch.ts';
import type { PipelineCounts } from './pipeline.ts';
import { syncLag } from './pipeline.ts';
import { page, type PageOptions } from './render/html.ts';
import { backTo, flashOf, redirect, REFERRAL_ID, searchPage, timelinePage } from './referral-pages.ts';
import { renderOverview } from './render/overview.ts';
import type { CredentialStatus, DashboardSource } from './source.ts';
import type { HttpRequest, HttpResponse, HttpRoute } from './types.ts';

export interface DashboardRouteDeps {
  source: DashboardSource;
  pipeline(): Promise<PipelineCounts>;
  log: Logger;
  nav?: PageOptions['nav'];
}

async function credentials(source: DashboardSource): Promise<readonly CredentialStatus[]> {
  try {
    return (await source.credentials?.()) ?? [];
  } catch {
    return [
      {
        name: 'credential-check',
        ok: false,
        reason: 'the credential health check failed',
        checkedAt: source.clock.now().toISOString(),
      },
    ];
  }
}

async function overview(d: DashboardRouteDeps, req: HttpRequest): Promise<HttpResponse> {
  const s = d.source;
  const now = s.clock.now();
  const [counts, lag, creds, atRisk, parked, reconcile, stateLoss, dismissed, health, runs] = await Promise.all([
    d.pipeline(),
    syncLag(s),
    credentials(s),
    atRiskList({ referrals: s.referrals, ...s.atRisk }, now),
    s.parking.list(200),
    createReconcileReportStore(s.redis, s.prefix).get(),
    createStateEpoch(s.redis, s.prefix).loss(),
    s.parking.dismissed(50),
    queueHealth(s, now),
    lastRuns(s),
  ]);
  const time = { now, timeZone: s.atRisk.timeZone };
  const all = req.query.get('atRisk') === 'all';
  const body = renderOverview(
    {
      counts,
      lag,
      credentials: creds,
      atRisk: all ? atRisk : needingAction(atRisk),
      ...(all ? {} : { atRiskTotal: atRisk.length }),
      parked,
      dismissed,
      flash: flashOf(req),
      reconcile,
      stateLoss,
      time,
      health: healthSection(health, runs, time),
    },
    req.identity,
  );
  const { chart, dashboardCharts } = assets();
  return {
    status: 200,
    body: page('Referrals', body, {
      identity: req.identity,
      nav: d.nav ?? [],
      scripts: [chart.path, dashboardCharts.path],
    }),
  };
}

async function replay(d: DashboardRouteDeps, req: HttpRequest): Promise<HttpResponse> {
  const id = req.params.id ?? '';
  if (!REFERRAL_ID.test(id))
    return { status: 400, body: 'bad referral id', headers: { 'content-type': 'text/plain; charset=utf-8' } };
  const who = req.identity;
  try {
    const message = await d.source.replay(id, `${who?.via ?? 'dashboard'}:${who?.user ?? who?.role ?? 'unknown'}`);
    d.log.info(
      { action: 'replay', referralId: id, user: who?.user, role: who?.role, via: who?.via, message },
      'dashboard action',
    );
  } catch (err) {
    d.log.error({ action: 'replay', referralId: id, user: who?.user, err }, 'dashboard action failed');
    return {
      status: 500,
      body: 'replay failed; see the worker log',
      headers: { 'content-type': 'text/plain; charset=utf-8' },
    };
  }
  return redirect(backTo(req, id, 'replayed'));
}

/** Dismiss: the operator says why the parked referral needs no fix; who and why are kept. */
async function dismissParked(d: DashboardRouteDeps, req: HttpRequest): Promise<HttpResponse> {
  const id = req.params.id ?? '';
  const text = (s: string) => ({ status: 400, body: s, headers: { 'content-type': 'text/plain; charset=utf-8' } });
  if (!REFERRAL_ID.test(id)) return text('bad referral id');
  const why = (new URLSearchParams(req.body.toString('utf8')).get('reason') ?? '').trim().slice(0, 500);
  if (why === '') return text('say why the referral needs no fix (reason)');
  const who = req.identity;
  const by = `${who?.via ?? 'dashboard'}:${who?.user ?? who?.role ?? 'unknown'}`;
  const done = await d.source.parking.dismiss(id, { who: by, why, at: d.source.clock.now().toISOString() });
  d.log.info(
    { action: 'dismiss', referralId: id, user: who?.user, role: who?.role, via: who?.via, done },
    'dashboard action',
  );
  return done
    ? redirect(backTo(req, id, 'dismissed'))
    : { ...text('not parked (replayed or dismissed already)'), status: 404 };
}

/** The referrals pages: overview, search, per-referral timeline, and the Replay and Dismiss actions. */
export function dashboardRoutes(d: DashboardRouteDeps): HttpRoute[] {
  return [
    { method: 'GET', path: '/', access: 'viewer', handler: (req) => overview(d, req) },
    { method: 'GET', path: '/referrals', access: 'viewer', handler: (req) => searchPage(d, req) },
    { method: 'GET', path: '/referrals/:id', access: 'viewer', handler: (req) => timelinePage(d, req) },
    { method: 'POST', path: '/referrals/:id/replay', access: 'operator', handler: (req) => replay(d, req) },
    { method: 'POST', path: '/referrals/:id/dismiss', access: 'operator', handler: (req) => dismissParked(d, req) },
  ];
}
