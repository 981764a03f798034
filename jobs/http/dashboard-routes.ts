import type { Logger } from 'pino';
import { atRiskList, needingAction } from '../../src/expiry/at-risk.ts';
import { assets } from './assets.ts';
import { lastRuns, queueHealth } from './queue-health.ts';
import { healthSection } from './render/health.ts';
import { createRedisExpiryLedger } from '../../connectors/redis/expiry-ledger.ts';
import { createReconcileReportStore } from '../../connectors/redis/reconcile-report.ts';
import { createStateEpoch } from '../../connectors/redis/state-epoch.ts';
import { findByCrmId } from './crm-lookup.ts';
import type { PipelineCounts } from './pipeline.ts';
import { syncLag } from './pipeline.ts';
import { html, page, type PageOptions } from './render/html.ts';
import { namesFromHistory, parkedPanel, replayPending, type ReplayJobState } from './render/parked.ts';
import { renderSearch } from './render/search.ts';
import { namesMatch, searchByName } from '../../connectors/redis/referral-search.ts';
import type { ParkEvent } from '../../src/ports/state.ts';
import { QUEUE } from '../queues.ts';
import { renderOverview, type OverviewData } from './render/overview.ts';
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
/** Search results shown at most (a name matching more is too vague to list). */
const SEARCH_LIMIT = 50;
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

function flashOf(req: HttpRequest): OverviewData['flash'] {
  const replayed = req.query.get('replayed');
  if (replayed && REFERRAL_ID.test(replayed)) {
    // The overview cannot wait for the job; the referral's page says whether it synced or parked again.
    const href = `/referrals/${encodeURIComponent(replayed)}?replayed=${encodeURIComponent(replayed)}`;
    return { ok: true, text: `Queued ${replayed} for a fresh sync.`, link: { href, label: 'Follow the replay' } };
  }
  const dismissed = req.query.get('dismissed');
  if (dismissed && REFERRAL_ID.test(dismissed))
    return { ok: true, text: `Dismissed ${dismissed}; it is listed under Dismissed.` };
  return undefined;
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

const timeView = (s: DashboardSource) => ({ now: s.clock.now(), timeZone: s.atRisk.timeZone });

/** The state of a replay's sync job, when the referral's last park-or-replay event is a replay. */
async function replayJobState(s: DashboardSource, history: readonly ParkEvent[]): Promise<ReplayJobState | null> {
  const last = history.at(-1);
  if (last?.kind !== 'replayed') return null;
  const syncQueue = s.queues.find((q) => q.name === QUEUE.sync);
  if (!syncQueue) return null;
  const state = await syncQueue.getJobState(last.jobId);
  return state === 'waiting-children' ? 'waiting' : state;
}

async function timeline(d: DashboardRouteDeps, req: HttpRequest): Promise<HttpResponse> {
  const s = d.source;
  const id = req.params.id ?? '';
  const [referral, state, parkedList, audit, ledger, history, dismissedList] = await Promise.all([
    s.referrals.get(id),
    s.state.get(id),
    s.parking.list(500),
    s.outbound.history(id),
    createRedisExpiryLedger({ redis: s.redis, prefix: s.prefix }).read(id),
    s.parking.history(id),
    s.parking.dismissed(500),
  ]);
  const parked = parkedList.find((p) => p.referralId === id) ?? null;
  const dismissed = dismissedList.find((p) => p.referralId === id) ?? null;
  if (!referral && !state && !parked && !dismissed && audit.length === 0 && history.length === 0) {
    return { status: 404, body: page('Not found', renderNotFound(id), { identity: req.identity, nav: d.nav ?? [] }) };
  }
  const time = timeView(s);
  const panelData = { referralId: id, parked, dismissed, history, replayJob: await replayJobState(s, history) };
  const body = renderTimeline({
    referralId: id,
    referral,
    state,
    parked,
    audit,
    expiry: { fired: [...ledger.fired].sort(), closed: ledger.closed },
    time,
    panel: parkedPanel(panelData, req.identity, time),
    names: namesFromHistory(history),
  });
  // A replay's progress is the panel's to tell (queued, synced, parked again), not a flash.
  const flash = req.query.has('replayed') ? undefined : flashOf(req);
  const top = flash ? html`<p class="flash ${flash.ok ? '' : 'err'}" id="flash">${flash.text}</p>` : '';
  return {
    status: 200,
    body: page(`Referral ${id}`, html`${top}${body}`, {
      identity: req.identity,
      nav: d.nav ?? [],
      // Until the replay's job has run; then the page shows whether it synced or parked again.
      ...(replayPending(panelData) ? { refreshSeconds: 2 } : {}),
    }),
  };
}

async function search(d: DashboardRouteDeps, req: HttpRequest): Promise<HttpResponse> {
  const q = (req.query.get('q') ?? '').trim().slice(0, 200);
  if (!q) return redirect('/');
  const s = d.source;
  if (REFERRAL_ID.test(q) && ((await s.referrals.get(q)) || (await s.state.get(q)) || (await s.parking.has(q))))
    return redirect(`/referrals/${encodeURIComponent(q)}`);
  const byCrm = await findByCrmId(s.redis, s.prefix, q);
  if (byCrm) return redirect(`/referrals/${encodeURIComponent(byCrm)}`);
  const [ids, parked] = await Promise.all([searchByName(s.redis, s.prefix, q, SEARCH_LIMIT), s.parking.list(500)]);
  const parkedHits = parked.filter((p) => namesMatch(q, p)).map((p) => p.referralId);
  const all = [...new Set([...ids, ...parkedHits])].slice(0, SEARCH_LIMIT);
  if (all.length === 1 && all[0]) return redirect(`/referrals/${encodeURIComponent(all[0])}`);
  const hits = await Promise.all(
    all.map(async (id) => {
      const r = await s.referrals.get(id);
      const p = parked.find((x) => x.referralId === id);
      return {
        referralId: id,
        dealName: r?.name ?? p?.dealName ?? null,
        customerName: r?.customerProfile?.name ?? p?.customerName ?? null,
        status: r ? `${r.status}/${r.substatus ?? ''}` : p ? `parked (${p.stage})` : '',
      };
    }),
  );
  return {
    status: hits.length ? 200 : 404,
    body: page(`Search ${q}`, renderSearch(q, hits, SEARCH_LIMIT), { identity: req.identity, nav: d.nav ?? [] }),
  };
}

/** Where a replay or dismiss returns to: the referral's own page when it was posted from there. */
function backTo(req: HttpRequest, id: string, flash: string): string {
  const fromReferral = new URLSearchParams(req.body.toString('utf8')).get('back') === 'referral';
  const q = `${flash}=${encodeURIComponent(id)}`;
  return fromReferral ? `/referrals/${encodeURIComponent(id)}?${q}` : `/?${q}`;
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
    { method: 'GET', path: '/referrals', access: 'viewer', handler: (req) => search(d, req) },
    { method: 'GET', path: '/referrals/:id', access: 'viewer', handler: (req) => timeline(d, req) },
    { method: 'POST', path: '/referrals/:id/replay', access: 'operator', handler: (req) => replay(d, req) },
    { method: 'POST', path: '/referrals/:id/dismiss', access: 'operator', handler: (req) => dismissParked(d, req) },
  ];
}
