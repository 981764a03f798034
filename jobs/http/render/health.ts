import type { LastRun, QueueHealth } from '../queue-health.ts';
import { html, raw, safeText, type SafeHtml } from './html.ts';
import { when, type TimeView } from './when.ts';

/**
 * JSON for a <script type="application/json"> block: the CSP lets data blocks through (they never
 * run), and `<` escaped keeps the text from closing the element early.
 */
export const jsonBlock = (id: string, data: unknown): SafeHtml =>
  raw(`<script type="application/json" id="${id}">${JSON.stringify(data).replace(/</g, '\\u003c')}</script>`);

function lastRunTable(runs: readonly LastRun[], tv: TimeView): SafeHtml {
  if (runs.length === 0) return html`<p class="muted">No pull or poll queue in this process.</p>`;
  const rows = runs.map(
    (r) =>
      html`<tr data-queue="${r.queue}">
        <td>${r.connection}</td>
        <td class="${r.lastSuccess ? 'ok' : 'bad'}">${when(r.lastSuccess, tv)}</td>
        <td>${r.lastFailure ? html`${when(r.lastFailure.at, tv)}: ${safeText(r.lastFailure.reason)}` : 'none kept'}</td>
      </tr>`,
  );
  return html`<table id="last-runs">
    <tr>
      <th>Connection</th>
      <th>Last successful run</th>
      <th>Last failed run</th>
    </tr>
    ${rows}
  </table>`;
}

/**
 * Queue health over the last 24 h, drawn by Chart.js in the browser (jobs/http/dashboard-charts.js)
 * from the data block; plus the last pull and poll per connection.
 */
export function healthSection(h: QueueHealth, runs: readonly LastRun[], tv: TimeView): SafeHtml {
  const chart = (id: string, title: string) =>
    html`<figure class="chart">
      <figcaption>${title}</figcaption>
      <canvas id="${id}" width="420" height="180"></canvas>
    </figure>`;
  return html`<h2 id="queue-health">Queue health (last 24 h, per 5 min)</h2>
    <div class="charts">
      ${chart('chart-throughput', 'Throughput: synced and pushed')}
      ${chart('chart-errors', 'Failed attempts and parks')} ${chart('chart-depth', 'Queue depth (sync and push)')}
      ${chart('chart-oldest', 'Oldest waiting job (minutes)')}
    </div>
    ${jsonBlock('queue-health-data', { ...h, timeZone: tv.timeZone })}
    <h2>Last pull and poll</h2>
    ${lastRunTable(runs, tv)}`;
}
