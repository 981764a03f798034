import type { Logger } from 'pino';
import { atRiskList } from '../../src/expiry/at-risk.ts';
import { createRedisExpiryLedger } from '../../connectors/redis/expiry-ledger.ts';
import { createReconcileReportStore } from '../../connectors/redis/reconcile-report.ts';
import { createStateEpoch } from '../../connectors/redis/state-epoch.ts';
import { findByCrmId } from './crm-lookup.ts';
import type { PipelineCounts } from './pipeline.ts';
import { syncLag } from './pipeline.ts';
import { page, type PageOptions } from './render/html.ts';
import { renderOverview } from './render/overview.ts';
import { renderNotFound, renderTimeline } from './render/timeline.ts';
import type { CredentialStatus, DashboardSource } from './source.ts';
import type { HttpRequest, HttpResponse, HttpRoute } from './types.ts';

export interface DashboardRouteDeps {
  source: DashboardSource;
  pipeline(): Promise<PipelineCounts>;
  log: Logger;
  nav?: PageOptions['nav'];
}

const REFERRAL_ID = /^[A-Za-z0-9_.:-]{1,200}$/;
const redirect = (location: string): HttpResponse => ({ status: 303, body: '', headers: { location } });

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

function flashOf(req: HttpRequest): { ok: boolean; text: string } | undefined {
  const replayed = req.query.get('replayed');
  if (replayed && REFERRAL_ID.test(replayed)) return { ok: true, text: `Queued ${replayed} for a fresh sync.` };
  const dismissed = req.query.get('dismissed');
  if (dismissed && REFERRAL_ID.test(dismissed))
    return { ok: true, text: `Dismissed ${dismissed}; it is listed under Dismissed.` };
  return undefined;
}

async function overview(d: DashboardRouteDeps, req: HttpRequest): Promise<HttpResponse> {
  const s = d.source;
  const [counts, lag, creds, atRisk, parked, reconcile, stateLoss, dismissed] = await Promise.all([
    d.pipeline(),
    syncLag(s),
    credentials(s),
    atRiskList({ referrals: s.referrals, ...s.atRisk }, s.clock.now()),
    s.parking.list(200),
    createReconcileReportStore(s.redis, s.prefix).get(),
    createStateEpoch(s.redis, s.prefix).loss(),
    s.parking.dismissed(50),
  ]);
  const body = renderOverview(
    { counts, lag, credentials: creds, atRisk, parked, dismissed, flash: flashOf(req), reconcile, stateLoss },
    req.identity,
  );
  return { status: 200, body: page('Referrals', body, { identity: req.identity, nav: d.nav ?? [] }) };
}

async function timeline(d: DashboardRouteDeps, req: HttpRequest): Promise<HttpResponse> {
  const s = d.source;
  const id = req.params.id ?? '';
  const [referral, state, parkedList, audit, ledger] = await Promise.all([
    s.referrals.get(id),
    s.state.get(id),
    s.parking.list(500),
    s.outbound.history(id),
    createRedisExpiryLedger({ redis: s.redis, prefix: s.prefix }).read(id),
  ]);
  const parked = parkedList.find((p) => p.referralId === id) ?? null;
  if (!referral && !state && !parked && audit.length === 0) {
    return { status: 404, body: page('Not found', renderNotFound(id), { identity: req.identity, nav: d.nav ?? [] }) };
  }
  const body = renderTimeline({
    referralId: id,
    referral,
    state,
    parked,
    audit,
    expiry: { fired: [...ledger.fired].sort(), closed: ledger.closed },
  });
  return { status: 200, body: page(`Referral ${id}`, body, { identity: req.identity, nav: d.nav ?? [] }) };
}

async function search(d: DashboardRouteDeps, req: HttpRequest): Promise<HttpResponse> {
  const q = (req.query.get('q') ?? '').trim();
  if (!q) return redirect('/');
  const s = d.source;
  if (REFERRAL_ID.test(q) && ((await s.referrals.get(q)) || (await s.state.get(q))))
    return redirect(`/referrals/${encodeURIComponent(q)}`);
  const byCrm = await findByCrmId(s.redis, s.prefix, q);
  if (byCrm) return redirect(`/referrals/${encodeURIComponent(byCrm)}`);
  return { status: 404, body: page('Not found', renderNotFound(q), { identity: req.identity, nav: d.nav ?? [] }) };
}

async function replay(d: DashboardRouteDeps, req: HttpRequest): Promise<HttpResponse> {
  const id = req.params.id ?? '';
  if (!REFERRAL_ID.test(id))
    return { status: 400, body: 'bad referral id', headers: { 'content-type': 'text/plain; charset=utf-8' } };
  const who = req.identity;
  try {
    const message = await d.source.replay(id);
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
  return redirect(`/?replayed=${encodeURIComponent(id)}`);
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
    ? redirect(`/?dismissed=${encodeURIComponent(id)}`)
    : { ...text('not parked (replayed or dismissed already)'), status: 404 };
}

/** The referrals pages: overview, search, per-referral timeline, and the Replay and Dismiss actions. */
export function dashboardRoutes(d: DashboardRouteDeps): HttpRoute[] {
  return [
    { method: 'GET', path: '/', access: 'viewer', handler: (req) => overview(d, req) },
    { method: 'GET', path: '/referrals', access: 'viewer', handler: (req) => search(d, req) },
    { method: 'GET', path: '/referrals/:id', access: 'viewer', handler: (req) => timeline(d, req) },
    { method: 'POST', path: '/referrals/:id/replay', access: 'operator', handler: (req) => replay(d, req) },
    { method: 'POST', path: '/referrals/:id/dismiss', access: 'operator', handler: (req) => dismissParked(d, req) },
  ];
}
