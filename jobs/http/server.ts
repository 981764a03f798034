import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { Logger } from 'pino';
import { assertSafeBind, authenticate, challenge, type AuthOptions } from './auth.ts';
import { bullBoards } from './bull-board.ts';
import { dashboardRoutes } from './dashboard-routes.ts';
import { attachSource, createMetrics, type Metrics } from './metrics.ts';
import { opsRoutes } from './ops-routes.ts';
import { attachReportMetrics } from './report-metrics.ts';
import { reportRoutes } from './report-routes.ts';
import { cached, expiryAlertsFired, pipelineCounts } from './pipeline.ts';
import type { PageOptions } from './render/html.ts';
import { allowedHostNames, isAllowedHost } from './allowed-host.ts';
import { assetRoutes } from './assets.ts';
import { createAuthLimiter, type AuthLimiter } from './auth-limiter.ts';
import { clientAddress } from './client-address.ts';
import { isCrossSiteWrite } from './same-origin.ts';
import { mappingStudioRoutes, type StudioDeps } from './studio/studio-routes.ts';
import type { DashboardSource } from './source.ts';
import { hasRole, type HttpRequest, type HttpResponse, type HttpRoute, type Identity, type Role } from './types.ts';

export interface HttpServerDeps {
  source: DashboardSource;
  log: Logger;
  /** The process's metrics (its hooks wired into the connectors); a fresh one when absent. */
  metrics?: Metrics;
  /** The mapping studio (issue 17) under /mapping; absent: not served. */
  studio?: StudioSettings | undefined;
}

/** What the mapping studio needs beyond the dashboard's source. */
export type StudioSettings = Omit<StudioDeps, 'referrals' | 'clock' | 'log' | 'nav'>;

export interface HttpServerOptions {
  /** Default 127.0.0.1. Anything but loopback needs `auth`, or the server refuses to start. */
  host?: string;
  /** Default 3000; 0 picks a free port. */
  port?: number;
  auth?: AuthOptions;
  /**
   * Mount point for handlers built elsewhere, e.g. the Partner Center webhook intake
   * (jobs/webhook-intake/) as `{ method: 'POST', path: '/webhooks/partner-center', access: 'public', handler }`.
   */
  extraRoutes?: readonly HttpRoute[];
  /** Serve /metrics without credentials (a Prometheus inside a trusted network). Default false. */
  publicMetrics?: boolean;
  /**
   * Host names (DASHBOARD_ALLOWED_HOSTS) accepted besides the loopback names and the bind
   * address; a request to any other name is refused with 421 (DNS rebinding, issue 14).
   */
  allowedHosts?: readonly string[];
  /** Extra links in the page header (the demo's simulated CRM and Partner Center). */
  nav?: PageOptions['nav'];
  maxBodyBytes?: number;
  /** Owners labelled in the response-time metrics (REPORT_METRICS_OWNERS); default 10. */
  reportMetricsOwners?: number;
}

export interface HttpServer {
  url: string;
  port: number;
  metrics: Metrics;
  close(): Promise<void>;
}

type Locals = { identity: Identity | null };
const HANDLER_TIMEOUT_MS = 15_000;
const identityOf = (res: Response): Identity | null => (res.locals as Locals).identity;

/**
 * Content-Security-Policy for our pages (issue 14): no script at all runs from them, no framing,
 * forms and fetches to our origin only. Inline styles stay allowed: each page carries one <style>
 * block, and a style cannot run code.
 */
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

/**
 * bull-board's UI under /queues: the same policy except `base-uri 'self'`, because its page
 * sets `<base href="/queues/">` and loads its scripts by relative path (with `base-uri 'none'` the
 * base was dropped and every script 404ed). Its only inline script is a JSON data block
 * (`type="application/json"`), which never runs, so no hash is needed; its loading spinner uses
 * inline styles. The Google Fonts stylesheet it links is refused (no request leaves for
 * fonts.googleapis.com); the board falls back to local fonts. dashboard.browser.test.ts renders it.
 */
const BOARD_CSP = CSP.replace("base-uri 'none'", "base-uri 'self'");

function headersOf(req: Request): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v]));
}

/**
 * Authenticates, checks the role and (for writes) the same-origin rule; 401/403 otherwise. A
 * route that needs a role also needs a known Host (421): public routes (health, the webhook)
 * grant nothing a rebound page could borrow, and a proxy may forward them under any name.
 */
function guard(
  auth: AuthOptions | undefined,
  access: 'public' | Role,
  log: Logger,
  hosts: ReadonlySet<string>,
  limiter: AuthLimiter,
): RequestHandler {
  return (req, res, next) => {
    const headers = headersOf(req);
    const client = clientAddress(req.socket.remoteAddress, headers['x-forwarded-for'], auth?.trustedProxies ?? []);
    const identity = authenticate(auth, headers, req.socket.remoteAddress);
    (res.locals as Locals).identity = identity;
    if (access === 'public') return next();
    const waitMs = limiter.blockedForMs(client);
    if (waitMs > 0) {
      res
        .status(429)
        .set('retry-after', String(Math.ceil(waitMs / 1000)))
        .type('text/plain')
        .send('too many failed sign-ins; try again later');
      return;
    }
    if (!isAllowedHost(headers, hosts)) {
      log.warn({ method: req.method, path: req.path }, 'dashboard: request for an unknown host name refused');
      res.status(421).type('text/plain').send('misdirected request: unknown host name (see DASHBOARD_ALLOWED_HOSTS)');
      return;
    }
    if (!identity) {
      // Only wrong credentials count: a browser's first request without any is not a guess.
      if (headers.authorization !== undefined) limiter.failed(client);
      res.status(401).set('www-authenticate', challenge(auth)).type('text/plain').send('authentication required');
      return;
    }
    if (!hasRole(identity, access)) {
      log.warn(
        { user: identity.user, role: identity.role, method: req.method, path: req.path },
        'dashboard: forbidden',
      );
      res.status(403).type('text/plain').send(`forbidden: needs the ${access} role`);
      return;
    }
    if (isCrossSiteWrite(req.method, headers)) {
      log.warn({ user: identity.user, method: req.method, path: req.path }, 'dashboard: cross-site write refused');
      res.status(403).type('text/plain').send('forbidden: cross-site request');
      return;
    }
    next();
  };
}

function send(res: Response, out: HttpResponse): void {
  res.status(out.status);
  for (const [k, v] of Object.entries(out.headers ?? {})) res.set(k, v);
  if (typeof out.body === 'string') {
    if (!res.get('content-type')) res.type('html');
    res.send(out.body);
  } else if (Buffer.isBuffer(out.body)) res.send(out.body);
  else res.json(out.body);
}

function mount(
  app: express.Express,
  route: HttpRoute,
  auth: AuthOptions | undefined,
  log: Logger,
  maxBody: number,
  hosts: ReadonlySet<string>,
  limiter: AuthLimiter,
): void {
  const method = route.method.toLowerCase() as 'get' | 'post' | 'put' | 'delete';
  const adapter = async (req: Request, res: Response) => {
    const request: HttpRequest = {
      method: req.method,
      path: req.path,
      params: req.params as Record<string, string>,
      query: new URL(req.originalUrl, 'http://x').searchParams,
      headers: headersOf(req),
      headersDistinct: req.headersDistinct,
      body: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
      identity: identityOf(res),
    };
    // The worker's Redis connection queues commands while Redis is down: answer instead of hanging.
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<HttpResponse>((resolve) => {
      timer = setTimeout(
        () =>
          resolve({
            status: 503,
            body: 'no answer in time (is Redis reachable?)',
            headers: { 'content-type': 'text/plain; charset=utf-8' },
          }),
        HANDLER_TIMEOUT_MS,
      );
    });
    try {
      send(res, await Promise.race([Promise.resolve(route.handler(request)), timeout]));
    } finally {
      clearTimeout(timer);
    }
  };
  app[method](
    route.path,
    guard(auth, route.access, log, hosts, limiter),
    express.raw({ type: () => true, limit: route.maxBodyBytes ?? maxBody }),
    adapter,
  );
}

/** Logs every write through the operator board: who did what, and how it ended. */
const logBoardWrites =
  (log: Logger): RequestHandler =>
  (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      const who = identityOf(res);
      res.on('finish', () =>
        log.info(
          {
            action: `${req.method} ${req.originalUrl}`,
            user: who?.user,
            role: who?.role,
            via: who?.via,
            status: res.statusCode,
          },
          'dashboard action',
        ),
      );
    }
    next();
  };

/** The ops HTTP server: referrals pages, bull-board, health, readiness, metrics, extra routes. */
export async function startHttpServer(deps: HttpServerDeps, options: HttpServerOptions = {}): Promise<HttpServer> {
  const host = options.host ?? '127.0.0.1';
  assertSafeBind(host, options.auth);
  const { source, log } = deps;
  const auth = options.auth;
  const metrics = deps.metrics ?? createMetrics();
  const pipeline = cached(15_000, () => pipelineCounts(source.redis, source.prefix));
  attachSource(metrics, source, {
    pipeline,
    expiryFired: cached(60_000, () => expiryAlertsFired(source.redis, source.prefix)),
  });
  attachReportMetrics(metrics, source, { owners: options.reportMetricsOwners ?? 10 });

  const app = express();
  app.disable('x-powered-by');
  app.use((req, res, next) => {
    res.set({
      'content-security-policy': req.path.startsWith('/queues') ? BOARD_CSP : CSP,
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'same-origin',
      'cache-control': 'no-store',
    });
    next();
  });
  const routes = [
    ...opsRoutes(source, metrics, options.publicMetrics ? 'public' : 'viewer'),
    ...assetRoutes(),
    ...(options.extraRoutes ?? []),
    ...dashboardRoutes({ source, pipeline, log, nav: options.nav ?? [] }),
    ...reportRoutes(source, options.nav ?? []),
    ...(deps.studio
      ? mappingStudioRoutes({
          ...deps.studio,
          referrals: source.referrals,
          clock: source.clock,
          log,
          nav: options.nav ?? [],
        })
      : []),
  ];
  const hosts = allowedHostNames(host, options.allowedHosts ?? []);
  const limiter = createAuthLimiter();
  for (const r of routes) mount(app, r, auth, log, options.maxBodyBytes ?? 1_000_000, hosts, limiter);
  const boards = bullBoards(source.queues);
  app.use('/queues/admin', guard(auth, 'operator', log, hosts, limiter), logBoardWrites(log), boards.admin);
  app.use('/queues', guard(auth, 'viewer', log, hosts, limiter), boards.viewer);
  app.use((_req, res) => {
    res.status(404).type('text/plain').send('not found');
  });
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const declared = typeof err === 'object' && err !== null ? (err as { status?: unknown }).status : undefined;
    const status = typeof declared === 'number' && declared >= 400 && declared < 600 ? declared : 500;
    if (status >= 500) log.error({ err, method: req.method, path: req.path }, 'dashboard request failed');
    if (!res.headersSent)
      res
        .status(status)
        .type('text/plain')
        .send(status >= 500 ? 'internal error; see the worker log' : 'bad request');
  });

  const server = createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 3000, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  log.info({ url, auth: auth ? Object.keys(auth) : [] }, 'dashboard listening');
  return {
    url,
    port,
    metrics,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
