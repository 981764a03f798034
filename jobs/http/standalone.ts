import type { Logger } from 'pino';
import type { Metrics } from './metrics.ts';
import { startHttpServer, type HttpServer, type HttpServerOptions, type StudioSettings } from './server.ts';
import { createRedisMappingStore } from '../../connectors/redis/mapping-store.ts';
import { openDashboardSource, type SourceSettings } from './source.ts';

/**
 * `referral-sync dashboard`: the HTTP server alone, reading the worker's Redis (no workers run
 * here). Replays queue jobs for whichever worker process is running.
 */
export async function startStandaloneDashboard(o: {
  redisUrl: string;
  redisCluster?: boolean | undefined;
  prefix: string;
  log: Logger;
  metrics?: Metrics;
  settings: SourceSettings;
  http: HttpServerOptions;
  /** The mapping studio (issue 17); absent: not served. */
  studio?: Omit<StudioSettings, 'store'>;
}): Promise<HttpServer> {
  const source = openDashboardSource(o.redisUrl, o.prefix, o.settings, o.redisCluster === true);
  try {
    const studio = o.studio ? { ...o.studio, store: createRedisMappingStore(source.redis, o.prefix) } : undefined;
    const server = await startHttpServer(
      { source, log: o.log, studio, ...(o.metrics ? { metrics: o.metrics } : {}) },
      o.http,
    );
    return {
      ...server,
      async close() {
        await server.close();
        await source.close();
      },
    };
  } catch (err) {
    await source.close();
    throw err;
  }
}
