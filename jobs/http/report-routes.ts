import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePeriod, reportRows, type ReportRow } from '../../src/report/format.ts';
import type { ResponseReport } from '../../src/report/response-times.ts';
import { buildResponseReport } from '../report-command.ts';
import { assets } from './assets.ts';
import { html, page, raw, type PageOptions } from './render/html.ts';
import type { DashboardSource } from './source.ts';
import type { HttpRequest, HttpResponse, HttpRoute } from './types.ts';

/*
 * The response-time report on the dashboard (issue 18): /report?days=30 (or since/until), a
 * table per owner and two Chart.js charts. The page's own script is a file served from our
 * origin under a content-hashed path (the CSP allows no inline script); the figures reach it as
 * a JSON block, which the browser never runs.
 */

const SCRIPT_BODY = readFileSync(join(import.meta.dirname, 'client', 'report-charts.js'));
export const REPORT_SCRIPT = {
  path: `/assets/report-charts-${createHash('sha256').update(SCRIPT_BODY).digest('hex').slice(0, 12)}.js`,
  body: SCRIPT_BODY,
};
/** Owners drawn in the charts (the table lists them all). */
const CHART_OWNERS = 12;

/** JSON inside <script type="application/json">: `<` escaped so no text can close the element. */
const jsonBlock = (value: unknown) => raw(JSON.stringify(value).replace(/</g, '\\u003c'));
const cell = (v: string | number | null) => (v === null || v === '' ? '-' : v);

function renderReport(r: ResponseReport, days: string | null) {
  const rows = reportRows(r);
  const line = (x: ReportRow) =>
    html`<tr data-owner="${x.owner}">
      <td>${x.owner}</td>
      <td class="num">${x.received}</td>
      <td class="num">${x.answered}</td>
      <td class="num">${x.accepted}</td>
      <td class="num">${x.declined}</td>
      <td class="num">${cell(x.medianHours)}</td>
      <td class="num">${cell(x.p90Hours)}</td>
      <td class="num">${cell(x.within72hPercent)}</td>
      <td class="num">${cell(x.beforeDeadlinePercent)}</td>
      <td class="num">${x.expiredUnanswered}</td>
      <td>${cell(x.expiredDealValue)}</td>
      <td class="num">${x.contactMeReceived}</td>
      <td class="num">${cell(x.contactMeWithin72hPercent)}</td>
    </tr>`;
  return html`<h2>Response times</h2>
    <form method="get" action="/report">
      Referrals received in the last
      <input name="days" size="4" value="${days ?? '30'}" /> days <button>Show</button>
    </form>
    <p class="muted" id="period">Received ${r.period.from} to ${r.period.to} · as of ${r.generatedAt}</p>
    <table id="report">
      <tr>
        <th>Owner</th>
        <th>Received</th>
        <th>Answered</th>
        <th>Accepted</th>
        <th>Declined</th>
        <th>Median h</th>
        <th>p90 h</th>
        <th>Within 72 h %</th>
        <th>Before deadline %</th>
        <th>Expired unanswered</th>
        <th>Expired deal value</th>
        <th>Contact-me</th>
        <th>Contact-me within 72 h %</th>
      </tr>
      ${rows.map(line)}
    </table>
    <p class="muted">
      Times run from the referral's creation in Partner Center to the seller's accept or decline; the shares are over
      referrals answered or past the mark. Definitions: README, "Response-time report".
    </p>
    <h2>Hours to answer</h2>
    <canvas id="chart-times" width="720" height="260"></canvas>
    <h2>Answered in time</h2>
    <canvas id="chart-shares" width="720" height="260"></canvas>
    <script type="application/json" id="report-data">
      ${jsonBlock(rows.slice(0, CHART_OWNERS + 1))}
    </script>
    <script src="${assets().chart.path}"></script>
    <script src="${REPORT_SCRIPT.path}"></script>`;
}

async function reportPage(source: DashboardSource, nav: PageOptions['nav'], req: HttpRequest): Promise<HttpResponse> {
  const q = (name: string) => req.query.get(name) ?? undefined;
  const period = parsePeriod({ days: q('days'), since: q('since'), until: q('until') }, source.clock.now());
  const options = { identity: req.identity, nav: nav ?? [] };
  if (!period.ok) return { status: 400, body: page('Report', html`<p class="bad">${period.error}</p>`, options) };
  const report = await buildResponseReport(
    { redis: source.redis, prefix: source.prefix, isContactMe: source.atRisk.isContactMe, clock: source.clock },
    period.period,
  );
  return { status: 200, body: page('Response times', renderReport(report, q('days') ?? null), options) };
}

export function reportRoutes(source: DashboardSource, nav?: PageOptions['nav']): HttpRoute[] {
  return [
    { method: 'GET', path: '/report', access: 'viewer', handler: (req) => reportPage(source, nav, req) },
    {
      method: 'GET',
      path: REPORT_SCRIPT.path,
      access: 'viewer',
      handler: () => ({
        status: 200,
        body: REPORT_SCRIPT.body,
        headers: {
          'content-type': 'text/javascript; charset=utf-8',
          'cache-control': 'private, max-age=31536000, immutable',
        },
      }),
    },
  ];
}
