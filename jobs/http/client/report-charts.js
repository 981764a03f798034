/*
 * The response-time report's charts (jobs/http/report-routes.ts). Served from our origin as a
 * file (the CSP allows no inline script); the figures come from the page's
 * <script type="application/json" id="report-data"> block, drawn with Chart.js.
 */
(function () {
  const data = document.getElementById('report-data');
  if (!data || typeof Chart === 'undefined') return;
  const rows = JSON.parse(data.textContent || '[]');
  const labels = rows.map((r) => r.owner);
  const bar = (id, datasets, unit) => {
    const canvas = document.getElementById(id);
    if (!canvas) return;
    new Chart(canvas, {
      type: 'bar',
      data: { labels, datasets },
      options: {
        animation: false,
        responsive: false,
        scales: { y: { beginAtZero: true, title: { display: true, text: unit } } },
      },
    });
  };
  bar(
    'chart-times',
    [
      { label: 'median', data: rows.map((r) => r.medianHours), backgroundColor: '#4472c4' },
      { label: 'p90', data: rows.map((r) => r.p90Hours), backgroundColor: '#a5b8e0' },
    ],
    'hours to answer',
  );
  bar(
    'chart-shares',
    [
      { label: 'within 72 h', data: rows.map((r) => r.within72hPercent), backgroundColor: '#3a8f5c' },
      { label: 'before the deadline', data: rows.map((r) => r.beforeDeadlinePercent), backgroundColor: '#9fd1b0' },
    ],
    '% of referrals due',
  );
  document.body.dataset.charts = 'ready';
})();
