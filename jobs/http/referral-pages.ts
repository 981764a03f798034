import { createRedisExpiryLedger } from '../../connectors/redis/expiry-ledger.ts';
import { namesMatch, searchByName } from '../../connectors/redis/referral-search.ts';
import type { ParkEvent } from '../../src/ports/state.ts';
import { QUEUE } from '../queues.ts';
import { findByCrmId } from './crm-lookup.ts';
import type { DashboardRouteDeps } from './dashboard-routes.ts';
import { html, page } from './render/html.ts';
import type { OverviewData } from './render/overview.ts';
import { namesFromHistory, parkedPanel, replayPending, type ReplayJobState } from './render/parked.ts';
import { renderSearch } from './render/search.ts';
import { renderNotFound, renderTimeline } from './render/timeline.ts';
import type { DashboardSource } from './source.ts';
import type { HttpRequest, HttpResponse } from './types.ts';

/*
 * The pages about one referral (issue 18's triage): its timeline with the parked panel, which
 * follows a replay to its outcome, and the search by id, CRM id, deal or customer name.
 */

export const REFERRAL_ID = /^[A-Za-z0-9_.:-]{1,200}$/;
/** Search results shown at most (a name matching more is too vague to list). */
const SEARCH_LIMIT = 50;
export const redirect = (location: string): HttpResponse => ({ status: 303, body: '', headers: { location } });

/** The note a write leaves on the page it returns to (?replayed= / ?dismissed=). */
export function flashOf(req: HttpRequest): OverviewData['flash'] {
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

export async function timelinePage(d: DashboardRouteDeps, req: HttpRequest): Promise<HttpResponse> {
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

export async function searchPage(d: DashboardRouteDeps, req: HttpRequest): Promise<HttpResponse> {
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

export /** Where a replay or dismiss returns to: the referral's own page when it was posted from there. */
function backTo(req: HttpRequest, id: string, flash: string): string {
  const fromReferral = new URLSearchParams(req.body.toString('utf8')).get('back') === 'referral';
  const q = `${flash}=${encodeURIComponent(id)}`;
  return fromReferral ? `/referrals/${encodeURIComponent(id)}?${q}` : `/?${q}`;
}
