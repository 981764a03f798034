import type { Metrics } from './metrics.ts';
import { readiness } from './readiness.ts';
import type { DashboardSource } from './source.ts';
import type { HttpRoute } from './types.ts';

/**
 * /healthz: the process answers. /readyz: Redis reachable with noeviction and no queue paused by
 * a credential failure (503 otherwise, with the reasons). /metrics: Prometheus text.
 * Health checks are public (probes carry no credentials) and say nothing secret.
 */
export function opsRoutes(source: DashboardSource, metrics: Metrics, metricsAccess: 'public' | 'viewer'): HttpRoute[] {
  return [
    { method: 'GET', path: '/healthz', access: 'public', handler: () => ({ status: 200, body: { ok: true } }) },
    {
      method: 'GET',
      path: '/readyz',
      access: 'public',
      handler: async () => {
        const r = await readiness(source);
        return { status: r.ready ? 200 : 503, body: { ...r } };
      },
    },
    {
      method: 'GET',
      path: '/metrics',
      access: metricsAccess,
      handler: async () => ({
        status: 200,
        body: await metrics.registry.metrics(),
        headers: { 'content-type': metrics.registry.contentType },
      }),
    },
  ];
}
