import type { DismissedReferral, ParkedReferral, ParkEvent } from '../../../src/ports/state.ts';
import { fixHint } from '../../../src/sync/fix-hint.ts';
import type { Identity } from '../types.ts';
import { fieldText, html, safeText, type SafeHtml } from './html.ts';
import { when, type TimeView } from './when.ts';

/** A replay's sync job as the sync queue knows it; 'unknown' once BullMQ has trimmed it. */
export type ReplayJobState = 'waiting' | 'active' | 'delayed' | 'prioritized' | 'completed' | 'failed' | 'unknown';

export interface ParkedPanelData {
  referralId: string;
  /** Parked now; null when not (never parked, replayed, or dismissed). */
  parked: ParkedReferral | null;
  dismissed: DismissedReferral | null;
  /** Parks and replays, oldest first. */
  history: readonly ParkEvent[];
  /** The state of the last replay's job, when the last event is a replay. */
  replayJob: ReplayJobState | null;
}

type Replayed = Extract<ParkEvent, { kind: 'replayed' }>;
const isReplay = (e: ParkEvent): e is Replayed => e.kind === 'replayed';

/** Still to run: the page reloads itself until the replay's job has finished (no script needed). */
export const replayPending = (d: ParkedPanelData): boolean =>
  d.parked === null && d.replayJob !== null && !['completed', 'failed', 'unknown'].includes(d.replayJob);

function actions(id: string, p: ParkedReferral, identity: Identity | null): SafeHtml {
  if (p.stage === 'crm-read')
    return html`<p class="muted">Fix the opportunity in the CRM; it is read again when it changes.</p>`;
  if (identity?.role !== 'operator') return html`<p class="muted">Replay and Dismiss need the operator role.</p>`;
  const base = `/referrals/${encodeURIComponent(id)}`;
  return html`<div id="parked-actions">
    <form class="inline" method="post" action="${base}/replay">
      <input type="hidden" name="back" value="referral" /><button type="submit">Replay</button>
    </form>
    <form class="inline" method="post" action="${base}/dismiss">
      <input type="hidden" name="back" value="referral" />
      <input name="reason" required maxlength="500" placeholder="why no fix is needed" aria-label="reason" />
      <button type="submit">Dismiss</button>
    </form>
  </div>`;
}

function parkedTable(p: ParkedReferral, attempt: number, tv: TimeView): SafeHtml {
  const rows: [string, SafeHtml | string | null][] = [
    ['Stage', p.stage],
    ['Field', p.field ? safeText(p.field) : null],
    ['Value', p.value !== undefined ? safeText(p.value) : p.field ? 'not shown (contact details, or not known)' : null],
    ['Reason', safeText(p.reason)],
    ['Parked', when(p.at, tv)],
    ['Times parked', String(attempt)],
    ['Job attempts', p.attempts === undefined ? null : String(p.attempts)],
    ['What to do', fixHint(p)],
  ];
  return html`<table id="parked-detail">
    ${rows
      .filter(([, v]) => v !== null)
      .map(
        ([k, v]) =>
          html`<tr data-row="${k}">
            <th>${k}</th>
            <td>${v}</td>
          </tr>`,
      )}
  </table>`;
}

function historyTable(events: readonly ParkEvent[], tv: TimeView): SafeHtml | string {
  if (events.length < 2) return '';
  const rows = events.map((e) =>
    isReplay(e)
      ? html`<tr data-kind="replayed">
          <td>${when(e.at, tv)}</td>
          <td>replayed by ${safeText(e.by)}</td>
          <td>job ${e.jobId}</td>
        </tr>`
      : html`<tr data-kind="parked">
          <td>${when(e.at, tv)}</td>
          <td>parked (${e.stage})</td>
          <td>${safeText(e.reason)}</td>
        </tr>`,
  );
  return html`<h3>Parks and replays</h3>
    <table id="park-history">
      <tr>
        <th>When</th>
        <th>What</th>
        <th>Detail</th>
      </tr>
      ${rows}
    </table>`;
}

function replayNote(last: Replayed, state: ReplayJobState | null, tv: TimeView): SafeHtml {
  const by = safeText(last.by);
  if (state === 'completed')
    return html`<p class="flash" id="replay-state">Replayed ${when(last.at, tv)} by ${by}: synced.</p>`;
  if (state === 'failed')
    return html`<p class="flash err" id="replay-state">
      Replayed ${when(last.at, tv)} by ${by}: the job failed (job ${last.jobId}); see the queue board.
    </p>`;
  if (state === 'unknown' || state === null)
    return html`<p class="muted" id="replay-state">Replayed ${when(last.at, tv)} by ${by}.</p>`;
  return html`<p class="flash" id="replay-state">
    Replay queued ${when(last.at, tv)} by ${by} (job ${last.jobId}, ${state}); this page reloads until it has run.
  </div>`;
}

/** The parked (or replayed, or dismissed) state of one referral, for its page. */
export function parkedPanel(d: ParkedPanelData, identity: Identity | null, tv: TimeView): SafeHtml | string {
  const parks = d.history.filter((e) => e.kind === 'parked');
  const lastReplay = d.history.filter(isReplay).at(-1);
  if (d.parked) {
    const attempt = Math.max(1, parks.length);
    // Parked again by the replay: said in so many words, with the new attempt and reason.
    const again =
      lastReplay && Date.parse(lastReplay.at) <= Date.parse(d.parked.at)
        ? html`<p class="flash err" id="parked-again">
            Parked again after the replay ${when(lastReplay.at, tv)} by ${safeText(lastReplay.by)}: attempt
            ${String(attempt)}, ${d.parked.stage}: ${safeText(d.parked.reason)}
          </p>`
        : '';
    return html`<h2 id="parked-heading">Parked</h2>
      ${again}${parkedTable(d.parked, attempt, tv)}${actions(d.referralId, d.parked, identity)}
      ${historyTable(d.history, tv)}`;
  }
  if (d.dismissed) {
    const x = d.dismissed;
    return html`<h2>Dismissed</h2>
      <p id="dismissed-note">
        Dismissed ${when(x.dismissedAt, tv)} by ${safeText(x.dismissedBy)}: ${safeText(x.dismissedWhy)}. It was parked
        (${x.stage}) for: ${safeText(x.reason)}
      </p>
      ${historyTable(d.history, tv)}`;
  }
  if (!lastReplay) return '';
  return html`<h2>Replay</h2>
    ${replayNote(lastReplay, d.replayJob, tv)}${historyTable(d.history, tv)}`;
}

/** Names of a referral that is not in the referral store, from its parked entries. */
export function namesFromHistory(history: readonly ParkEvent[]): { dealName?: string; customerName?: string } {
  const out: { dealName?: string; customerName?: string } = {};
  for (const e of history) {
    if (e.kind !== 'parked') continue;
    if (e.dealName) out.dealName = fieldText(e.dealName);
    if (e.customerName) out.customerName = fieldText(e.customerName);
  }
  return out;
}
