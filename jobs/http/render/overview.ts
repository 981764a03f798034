import type { AtRiskEntry } from '../../../src/expiry/at-risk.ts';
import type { DismissedReferral, ParkedReferral } from '../../../src/ports/state.ts';
import type { PipelineCounts, SyncLag } from '../pipeline.ts';
import type { CredentialStatus } from '../source.ts';
import type { Identity } from '../types.ts';
import type { ReconcileReport } from '../../../connectors/redis/reconcile-report.ts';
import { duration, html, safeText, type SafeHtml } from './html.ts';
import { reconcileSection } from './reconcile.ts';
import type { StateLoss } from '../../../connectors/redis/state-epoch.ts';

export interface OverviewData {
  counts: PipelineCounts;
  lag: SyncLag;
  credentials: readonly CredentialStatus[];
  atRisk: readonly AtRiskEntry[];
  parked: readonly ParkedReferral[];
  flash?: { ok: boolean; text: string } | undefined;
  /** The last reconcile sweep's report; absent: none ran. */
  reconcile?: ReconcileReport | null | undefined;
  /** Parked referrals an operator dismissed, newest first. */
  dismissed?: readonly DismissedReferral[] | undefined;
  /** The last Redis data loss a worker noticed (issue 12); absent: none. */
  stateLoss?: StateLoss | null | undefined;
}

/** A banner while the state is rebuilt after a Redis data loss, a note once it is done. */
function stateLossNote(loss: StateLoss | null | undefined): SafeHtml | string {
  if (!loss) return '';
  if (loss.recoveredAt === undefined) {
    return html`<p class="flash err" id="state-loss">Redis lost its data (noticed ${loss.detectedAt}). Schedules were registered again and a full pull is rebuilding the sync state; each referral is compared with its opportunity before anything is written.</p>`;
  }
  return html`<p class="muted" id="state-loss">Last Redis data loss noticed ${loss.detectedAt}; rebuilt by ${loss.recoveredAt} (${String(loss.count)} in all).</p>`;
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
    return html`<tr data-status="${s}"><td>${s}</td>${crms.map((c) => html`<td class="num">${row[c] ?? 0}</td>`)}<td class="num"><b>${total}</b></td></tr>`;
  });
  return html`<table id="pipeline"><tr><th>Status</th>${crms.map((c) => html`<th>${label(c)}</th>`)}<th>Total</th></tr>${rows}</table>`;
}

function lagSection(lag: SyncLag): SafeHtml {
  const polls = lag.crmPoll.map(
    (p) => html`<li>${p.crm} poll cursor: ${p.cursor ?? 'none yet'} (${duration(p.lagSeconds)} behind)</li>`,
  );
  return html`<ul id="lag"><li>Pull checkpoint: ${lag.pullCheckpoint ?? 'none (first pull not done)'} (sync lag ${duration(lag.pullLagSeconds)})</li>${polls}</ul>`;
}

function credentialTable(list: readonly CredentialStatus[]): SafeHtml {
  if (list.length === 0) return html`<p class="muted">No credential check configured.</p>`;
  const rows = list.map(
    (c) => html`<tr><td>${c.name}</td><td class="${c.ok ? 'ok' : 'bad'}">${c.ok ? 'ok' : 'failing'}</td>
<td>${safeText(c.reason ?? '')}${c.pausedQueues?.length ? ` (paused: ${c.pausedQueues.join(', ')})` : ''}</td><td>${c.checkedAt ?? 'never'}</td></tr>`,
  );
  return html`<table id="credentials"><tr><th>Connection</th><th>State</th><th>Reason</th><th>Checked</th></tr>${rows}</table>`;
}

function atRiskTable(list: readonly AtRiskEntry[]): SafeHtml {
  if (list.length === 0) return html`<p class="muted">No referral is waiting for an answer.</p>`;
  const rows = list.map(
    (
      r,
    ) => html`<tr><td class="num ${r.timeLeftMs < 24 * 3_600_000 ? 'bad' : ''}">${r.timeLeftText}</td><td>${r.deadlineText}</td>
<td>${refLink(r.referralId)}</td><td>${r.dealName}</td><td>${r.customerName ?? ''}</td><td>${r.level ?? ''}</td>
<td>${r.contactMe ? `customer asked to be contacted${r.contactBy ? ` by ${r.contactBy.toISOString()}` : ''}` : ''}</td></tr>`,
  );
  return html`<table id="at-risk"><tr><th>Time left</th><th>Deadline</th><th>Referral</th><th>Deal</th><th>Customer</th><th>Level</th><th>Note</th></tr>${rows}</table>`;
}

function parkedTable(list: readonly ParkedReferral[], identity: Identity | null): SafeHtml {
  if (list.length === 0) return html`<p class="muted" id="parked-empty">Nothing is parked.</p>`;
  const operator = identity?.role === 'operator';
  const rows = list.map((p) => {
    const crmSide = p.stage === 'crm-read';
    const action = crmSide
      ? html`<span class="muted">fix the opportunity in the CRM; it is read again when it changes</span>`
      : operator
        ? html`<form class="inline" method="post" action="/referrals/${encodeURIComponent(p.referralId)}/replay"><button type="submit">Replay</button></form>
<form class="inline" method="post" action="/referrals/${encodeURIComponent(p.referralId)}/dismiss"><input name="reason" required maxlength="500" placeholder="why no fix is needed" aria-label="reason"><button type="submit">Dismiss</button></form>`
        : html`<span class="muted">replay and dismiss need the operator role</span>`;
    return html`<tr data-referral="${p.referralId}"><td>${p.at}</td><td>${crmSide ? p.referralId : refLink(p.referralId)}</td><td>${p.stage}</td>
<td>${safeText(p.reason)}</td><td>${action}</td></tr>`;
  });
  return html`<table id="parked"><tr><th>Parked at</th><th>Referral</th><th>Stage</th><th>Reason</th><th></th></tr>${rows}</table>`;
}

function dismissedTable(list: readonly DismissedReferral[]): SafeHtml {
  if (list.length === 0) return html`<p class="muted" id="dismissed-empty">Nothing dismissed.</p>`;
  const rows = list.map(
    (
      p,
    ) => html`<tr data-referral="${p.referralId}"><td>${p.dismissedAt}</td><td>${refLink(p.referralId)}</td><td>${safeText(p.dismissedBy)}</td>
<td>${safeText(p.dismissedWhy)}</td><td>${p.stage}: ${safeText(p.reason)}</td></tr>`,
  );
  return html`<table id="dismissed"><tr><th>Dismissed at</th><th>Referral</th><th>By</th><th>Why</th><th>It was parked for</th></tr>${rows}</table>`;
}

export function renderOverview(d: OverviewData, identity: Identity | null): SafeHtml {
  const flash = d.flash ? html`<p class="flash ${d.flash.ok ? '' : 'err'}" id="flash">${d.flash.text}</p>` : '';
  return html`${flash}${stateLossNote(d.stateLoss)}<form method="get" action="/referrals"><input name="q" placeholder="referral id or CRM id" size="40" aria-label="search">
<button type="submit">Find</button></form>
<h2>Sync lag</h2>${lagSection(d.lag)}
<h2>Credential health</h2>${credentialTable(d.credentials)}
<h2>Pipeline</h2>${pipelineTable(d.counts)}
<h2>At risk (waiting for an answer, soonest deadline first)</h2>${atRiskTable(d.atRisk)}
<h2>Parked (dead letters)</h2>${parkedTable(d.parked, identity)}
<h2>Dismissed (parked, no fix needed)</h2>${dismissedTable(d.dismissed ?? [])}
<h2>Reconcile (drift between Partner Center, the CRM and stored state)</h2>${reconcileSection(d.reconcile)}`;
}
