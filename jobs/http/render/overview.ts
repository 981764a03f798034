import type { AtRiskEntry } from '../../../src/expiry/at-risk.ts';
import type { DismissedReferral, ParkedReferral } from '../../../src/ports/state.ts';
import type { PipelineCounts, SyncLag } from '../pipeline.ts';
import type { CredentialStatus } from '../source.ts';
import type { Identity } from '../types.ts';
import type { ReconcileReport } from '../../../connectors/redis/reconcile-report.ts';
import { duration, html, safeText, type SafeHtml } from './html.ts';
import { when, type TimeView } from './when.ts';
import { reconcileSection } from './reconcile.ts';
import type { StateLoss } from '../../../connectors/redis/state-epoch.ts';

export interface OverviewData {
  counts: PipelineCounts;
  lag: SyncLag;
  credentials: readonly CredentialStatus[];
  atRisk: readonly AtRiskEntry[];
  parked: readonly ParkedReferral[];
  flash?: { ok: boolean; text: string; link?: { href: string; label: string } | undefined } | undefined;
  /** The last reconcile sweep's report; absent: none ran. */
  reconcile?: ReconcileReport | null | undefined;
  /** Parked referrals an operator dismissed, newest first. */
  dismissed?: readonly DismissedReferral[] | undefined;
  /** The last Redis data loss a worker noticed (issue 12); absent: none. */
  stateLoss?: StateLoss | null | undefined;
  /** The clock and zone times are shown in (TIME_ZONE); absent: ISO values as stored. */
  time?: TimeView | undefined;
  /** How many referrals wait for an answer in all, when `atRisk` shows only those needing action. */
  atRiskTotal?: number | undefined;
  /** Queue health charts and last runs (render/health.ts). */
  health?: SafeHtml | undefined;
}

/** A banner while the state is rebuilt after a Redis data loss, a note once it is done. */
function stateLossNote(loss: StateLoss | null | undefined): SafeHtml | string {
  if (!loss) return '';
  if (loss.recoveredAt === undefined) {
    return html`<p class="flash err" id="state-loss">
      Redis lost its data (noticed ${loss.detectedAt}). Schedules were registered again and a full pull is rebuilding
      the sync state; each referral is compared with its opportunity before anything is written.
    </p>`;
  }
  return html`<p class="muted" id="state-loss">
    Last Redis data loss noticed ${loss.detectedAt}; rebuilt by ${loss.recoveredAt} (${String(loss.count)} in all).
  </p>`;
}

const refLink = (id: string) => html`<a href="/referrals/${encodeURIComponent(id)}">${id}</a>`;

function pipelineTable(counts: PipelineCounts): SafeHtml {
  const statuses = Object.keys(counts).sort();
  const crms = [...new Set(statuses.flatMap((s) => Object.keys(counts[s] ?? {})))].sort((a, b) =>
    a === 'none' ? 1 : b === 'none' ? -1 : a.localeCompare(b),
  );
  if (statuses.length === 0) return html`<p class="muted">No referral pulled yet.</p>`;
  const label = (crm: string) => (crm === 'none' ? 'not in CRM yet' : crm);
  const rows = statuses.map((s) => {
    const row = counts[s] ?? {};
    const total = Object.values(row).reduce((a, b) => a + b, 0);
    return html`<tr data-status="${s}">
      <td>${s}</td>
      ${crms.map((c) => html`<td class="num">${row[c] ?? 0}</td>`)}
      <td class="num"><b>${total}</b></td>
    </tr>`;
  });
  return html`<table id="pipeline">
    <tr>
      <th>Status</th>
      ${crms.map((c) => html`<th>${label(c)}</th>`)}
      <th>Total</th>
    </tr>
    ${rows}
  </table>`;
}

/** A stored time for a person when the page has a clock and zone; the stored text otherwise. */
const at = (value: string | null | undefined, tv: TimeView | undefined, empty = 'never') =>
  tv ? when(value, tv, empty) : (value ?? empty);

function lagSection(lag: SyncLag, tv: TimeView | undefined): SafeHtml {
  const polls = lag.crmPoll.map(
    (p) => html`<li>${p.crm} poll cursor: ${at(p.cursor, tv, 'none yet')} (${duration(p.lagSeconds)} behind)</li>`,
  );
  return html`<ul id="lag">
    <li>
      Pull checkpoint: ${at(lag.pullCheckpoint, tv, 'none (first pull not done)')} (sync lag
      ${duration(lag.pullLagSeconds)})
    </li>
    ${polls}
  </ul>`;
}

function credentialTable(list: readonly CredentialStatus[], tv: TimeView | undefined): SafeHtml {
  if (list.length === 0) return html`<p class="muted">No credential check configured.</p>`;
  const rows = list.map(
    (c) =>
      html`<tr>
        <td>${c.name}</td>
        <td class="${c.ok ? 'ok' : 'bad'}">${c.ok ? 'ok' : 'failing'}</td>
        <td>${safeText(c.reason ?? '')}${c.pausedQueues?.length ? ` (paused: ${c.pausedQueues.join(', ')})` : ''}</td>
        <td>${at(c.checkedAt, tv)}</td>
      </tr>`,
  );
  return html`<table id="credentials">
    <tr>
      <th>Connection</th>
      <th>State</th>
      <th>Reason</th>
      <th>Checked</th>
    </tr>
    ${rows}
  </table>`;
}

function atRiskTable(list: readonly AtRiskEntry[], tv: TimeView | undefined): SafeHtml {
  if (list.length === 0) return html`<p class="muted" id="at-risk-empty">No referral is waiting for an answer.</p>`;
  const rows = list.map(
    (r) =>
      html`<tr>
        <td class="num ${r.timeLeftMs < 24 * 3_600_000 ? 'bad' : ''}">${r.timeLeftText}</td>
        <td>${tv ? when(r.deadline, tv) : r.deadlineText}</td>
        <td>${refLink(r.referralId)}</td>
        <td>${r.dealName}</td>
        <td>${r.customerName ?? ''}</td>
        <td>${r.level ?? ''}</td>
        <td>
          ${r.contactMe ? html`customer asked to be contacted${r.contactBy ? html` by ${at(r.contactBy.toISOString(), tv)}` : ''}` : ''}
        </td>
      </tr>`,
  );
  return html`<table id="at-risk">
    <tr>
      <th>Time left</th>
      <th>Deadline</th>
      <th>Referral</th>
      <th>Deal</th>
      <th>Customer</th>
      <th>Level</th>
      <th>Note</th>
    </tr>
    ${rows}
  </table>`;
}

function parkedTable(list: readonly ParkedReferral[], identity: Identity | null, tv: TimeView | undefined): SafeHtml {
  if (list.length === 0) return html`<p class="muted" id="parked-empty">Nothing is parked.</p>`;
  const operator = identity?.role === 'operator';
  const rows = list.map((p) => {
    const crmSide = p.stage === 'crm-read';
    const action = crmSide
      ? html`<span class="muted">fix the opportunity in the CRM; it is read again when it changes</span>`
      : operator
        ? html`<form class="inline" method="post" action="/referrals/${encodeURIComponent(p.referralId)}/replay">
              <button type="submit">Replay</button>
            </form>
            <form class="inline" method="post" action="/referrals/${encodeURIComponent(p.referralId)}/dismiss">
              <input
                name="reason"
                required
                maxlength="500"
                placeholder="why no fix is needed"
                aria-label="reason"
              /><button type="submit">Dismiss</button>
            </form>`
        : html`<span class="muted">replay and dismiss need the operator role</span>`;
    return html`<tr data-referral="${p.referralId}">
      <td>${at(p.at, tv)}</td>
      <td>${crmSide ? p.referralId : refLink(p.referralId)}</td>
      <td>${p.stage}</td>
      <td>${safeText(p.reason)}</td>
      <td>${action}</td>
    </tr>`;
  });
  return html`<table id="parked">
    <tr>
      <th>Parked at</th>
      <th>Referral</th>
      <th>Stage</th>
      <th>Reason</th>
      <th></th>
    </tr>
    ${rows}
  </table>`;
}

function dismissedTable(list: readonly DismissedReferral[], tv: TimeView | undefined): SafeHtml {
  if (list.length === 0) return html`<p class="muted" id="dismissed-empty">Nothing dismissed.</p>`;
  const rows = list.map(
    (p) =>
      html`<tr data-referral="${p.referralId}">
        <td>${at(p.dismissedAt, tv)}</td>
        <td>${refLink(p.referralId)}</td>
        <td>${safeText(p.dismissedBy)}</td>
        <td>${safeText(p.dismissedWhy)}</td>
        <td>${p.stage}: ${safeText(p.reason)}</td>
      </tr>`,
  );
  return html`<table id="dismissed">
    <tr>
      <th>Dismissed at</th>
      <th>Referral</th>
      <th>By</th>
      <th>Why</th>
      <th>It was parked for</th>
    </tr>
    ${rows}
  </table>`;
}

/** The at-risk heading: what needs action, or everything, with the link to switch. */
function atRiskHeading(d: OverviewData): SafeHtml {
  if (d.atRiskTotal === undefined)
    return html`<h2>At risk (waiting for an answer, soonest deadline first)</h2>
      <p class="muted"><a href="/#at-risk" id="at-risk-toggle">Show only what needs action</a></p>`;
  return html`<h2>At risk: needs action (contact-me requests first, then deadlines within 72 h)</h2>
    <p class="muted">
      ${String(d.atRisk.length)} of ${String(d.atRiskTotal)} waiting for an answer.
      <a href="/?atRisk=all#at-risk" id="at-risk-toggle">Show all</a>
    </p>`;
}

export function renderOverview(d: OverviewData, identity: Identity | null): SafeHtml {
  const link = d.flash?.link ? html` <a href="${d.flash.link.href}">${d.flash.link.label}</a>` : '';
  const flash = d.flash ? html`<p class="flash ${d.flash.ok ? '' : 'err'}" id="flash">${d.flash.text}${link}</p>` : '';
  const tv = d.time;
  return html`${flash}${stateLossNote(d.stateLoss)}
    <form method="get" action="/referrals">
      <input name="q" placeholder="referral id, CRM id, deal or customer name" size="40" aria-label="search" />
      <button type="submit">Find</button>
    </form>
    <h2>Sync lag</h2>
    ${lagSection(d.lag, tv)}
    <h2>Credential health</h2>
    ${credentialTable(d.credentials, tv)}
    <h2>Pipeline</h2>
    ${pipelineTable(d.counts)} ${atRiskHeading(d)} ${atRiskTable(d.atRisk, tv)}
    <h2>Parked (dead letters)</h2>
    ${parkedTable(d.parked, identity, tv)}
    <h2>Dismissed (parked, no fix needed)</h2>
    ${dismissedTable(d.dismissed ?? [], tv)} ${d.health ?? ''}
    <h2>Reconcile (drift between Partner Center, the CRM and stored state)</h2>
    ${reconcileSection(d.reconcile)}`;
}
