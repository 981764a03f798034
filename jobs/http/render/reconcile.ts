import type { ReconcileReport } from '../../../connectors/redis/reconcile-report.ts';
import { DRIFT_KINDS } from '../../../src/sync/reconcile.ts';
import { html, type SafeHtml } from './html.ts';

/** The last reconcile sweep (issue 12): drift counts per kind, and what was queued for repair. */
export function reconcileSection(report: ReconcileReport | null | undefined): SafeHtml {
  if (!report)
    return html`<p class="muted" id="reconcile-none">No reconcile sweep has run yet (<code>referral-sync reconcile</code>, or daily under <code>start</code>).</p>`;
  const rows = DRIFT_KINDS.map(
    (k) =>
      html`<tr data-kind="${k}"><td>${k}</td><td class="num ${report.counts[k] > 0 ? 'bad' : ''}">${report.counts[k]}</td></tr>`,
  );
  return html`<p id="reconcile-summary">Last sweep ${report.at}: ${report.referrals} referrals, ${report.opportunities} opportunities compared;
${report.queued} repair jobs queued, ${report.parked} parked left for replay.</p>
<table id="reconcile"><tr><th>Drift</th><th>Count</th></tr>${rows}</table>`;
}
