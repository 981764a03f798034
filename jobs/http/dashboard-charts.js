// The dashboard's queue health charts. Served from our origin (jobs/http/assets.ts): the pages'
// Content-Security-Policy runs no inline script. The data comes from the page's JSON block.
(function () {
  'use strict';
  var block = document.getElementById('queue-health-data');
  if (!block || typeof Chart === 'undefined') return;
  var data = JSON.parse(block.textContent || '{}');
  var labels = (data.buckets || []).map(function (iso) {
    var d = new Date(iso);
    return d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', timeZone: data.timeZone || 'UTC' });
  });
  var colors = ['#2b6cb0', '#2f855a', '#c53030', '#b7791f'];
  function chart(id, type, series, yTitle) {
    var canvas = document.getElementById(id);
    if (!canvas) return;
    var c = new Chart(canvas, {
      type: type,
      data: {
        labels: labels,
        datasets: series.map(function (s, i) {
          return {
            label: s.label,
            data: s.values,
            borderColor: colors[i % colors.length],
            backgroundColor: colors[i % colors.length],
            borderWidth: 1,
            pointRadius: 0,
            spanGaps: true,
          };
        }),
      },
      options: {
        animation: false,
        responsive: false,
        interaction: { mode: 'index', intersect: false },
        scales: {
          x: { ticks: { maxTicksLimit: 8 } },
          y: { beginAtZero: true, title: { display: true, text: yTitle } },
        },
        plugins: { legend: { position: 'bottom', labels: { boxWidth: 10 } } },
      },
    });
    canvas.setAttribute('data-chart', 'ready');
    canvas.setAttribute('data-points', String(c.data.datasets[0] ? c.data.datasets[0].data.length : 0));
  }
  chart(
    'chart-throughput',
    'bar',
    [
      { label: 'synced', values: data.synced },
      { label: 'pushed', values: data.pushed },
    ],
    'jobs per 5 min',
  );
  chart(
    'chart-errors',
    'bar',
    [
      { label: 'failed attempts', values: data.errors },
      { label: 'parked', values: data.parked },
    ],
    'per 5 min',
  );
  chart('chart-depth', 'line', [{ label: 'waiting jobs', values: data.depth }], 'jobs');
  chart('chart-oldest', 'line', [{ label: 'oldest waiting job', values: data.oldestMinutes }], 'minutes');
})();
