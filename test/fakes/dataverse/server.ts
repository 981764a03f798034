import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { msalMetadataFor, type FakeMsalMetadata } from '../partner-center/msal-metadata.ts';
import { TokenService } from '../partner-center/token-service.ts';
import { handleBatch, type BatchLog } from './batch.ts';
import { dvError, type FakeReply, type Failure, type RecordFailure } from './replies.ts';
import { qualifyLead } from './actions.ts';
import { handleEntity, routeOf, type RouteName, type RouteState } from './routes.ts';
import type { FakeMetadataOptions } from './metadata.ts';
import { DataverseStore, SELLER_ID, type Row, type StoreOptions } from './store.ts';

export type { BatchLog, Failure, FakeMsalMetadata, RouteName, Row };

export interface FakeDataverseOptions extends StoreOptions {
  /** Fixed delay before every answer (API and token), in ms. */
  latencyMs?: number;
  /** Default /api/data/v9.2. */
  apiPath?: string;
  /** When set, client-credential requests must present these. */
  clientId?: string;
  clientSecret?: string;
  /** Choice labels served as FormattedValue annotations: column -> value -> label. */
  choices?: Record<string, Record<string, string>>;
  now?: () => number;
  /** What the table definitions (EntityDefinitions) leave out: a half-done setup. */
  metadata?: FakeMetadataOptions;
}

export interface FakeDataverse {
  /** Environment URL (DYNAMICS_URL), e.g. http://127.0.0.1:41234. */
  readonly url: string;
  readonly apiPath: string;
  readonly tenantId: string;
  /** Everything msal-node needs to talk only to this fake (authority host, metadata). */
  msalMetadata(): FakeMsalMetadata;
  /** HTTP calls per route since start or resetCounters(); `$batch` inner requests are not counted. */
  readonly counters: Readonly<Record<RouteName, number>>;
  /** One entry per `$batch` call. */
  readonly batches: readonly BatchLog[];
  resetCounters(): void;
  /** The next `n` API calls (not token calls) answer with this failure. */
  failNext(n: number, failure: Failure): void;
  /** Writes (PATCH/POST, also inside `$batch`) matching `when` fail, `times` times (default 1). */
  failWrites(when: RecordFailure['matches'], failure: Failure, times?: number): void;
  setLatency(ms: number): void;
  /** Called before each API call (not token calls) is answered: tests edit rows between pages. */
  onRequest(listener: ((route: RouteName, url: URL) => void) | undefined): void;
  /** Rows of a table (copies). */
  records(table: string): Row[];
  /** Inserts a row as if created in the app; returns it. */
  seed(table: string, cols: Row): Row;
  /** A seller's edit: new modifiedon, modified by the seller. No read-only check. */
  updateAsUser(id: string, cols: Row, table?: string): Row;
  /** A seller deletes the row (later reads by id: 404). */
  deleteAsUser(id: string, table?: string): void;
  /**
   * A seller presses Qualify on a lead (issue 16): QualifyLead with an account and an
   * opportunity (`opportunity` columns over the lead's), the lead turns Qualified. Returns the
   * new opportunity's id; its _originatingleadid_value is the lead.
   */
  qualifyLeadAsUser(leadId: string, opportunity?: Row): string;
  issuedAccessTokens(): string[];
  revokeAccessTokens(): void;
  close(): Promise<void>;
}

export async function startFakeDataverse(opts: FakeDataverseOptions = {}): Promise<FakeDataverse> {
  const now = opts.now ?? ((): number => Date.now());
  const apiPath = opts.apiPath ?? '/api/data/v9.2';
  let base = '';
  const store = new DataverseStore(now, opts);
  const tokens = new TokenService(
    {
      ...(opts.clientId ? { clientId: opts.clientId } : {}),
      ...(opts.clientSecret ? { clientSecret: opts.clientSecret } : {}),
    },
    now,
    (tid) => `https://${new URL(base).host}/${tid}/v2.0`,
  );
  const state: RouteState = {
    store,
    apiPath,
    base: () => base,
    recordFailures: [],
    choices: opts.choices ?? {},
    metadata: opts.metadata ?? {},
  };
  const counters: Record<RouteName, number> = {
    token: 0,
    batch: 0,
    upsert: 0,
    create: 0,
    query: 0,
    action: 0,
    unauthorized: 0,
    other: 0,
  };
  const batches: BatchLog[] = [];
  const failures: Failure[] = [];
  let latency = opts.latencyMs ?? 0;
  let listener: ((route: RouteName, url: URL) => void) | undefined;

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    if (latency > 0) await new Promise((r) => setTimeout(r, latency));
    if ((req.url ?? '').length > 32_768) return json(res, dvError(414, '', 'URI too long'));
    const url = new URL(req.url ?? '/', base);
    const headers = Object.fromEntries(
      Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]),
    );
    const token = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(url.pathname);
    if (token?.[1] && req.method === 'POST') {
      counters.token++;
      const reply = tokens.token(token[1], new URLSearchParams(body));
      return json(res, { status: reply.status, body: reply.body });
    }
    if (!url.pathname.startsWith(`${apiPath}/`)) return json(res, dvError(404, '', 'Not found'));
    const bearer = /^Bearer (.+)$/.exec(headers.authorization ?? '')?.[1];
    if (!bearer || !tokens.isValid(bearer)) {
      counters.unauthorized++;
      res.writeHead(401, { 'WWW-Authenticate': `Bearer authorization_uri=${base}/common/oauth2/authorize` }).end();
      return;
    }
    const resource = decodeURIComponent(url.pathname.slice(apiPath.length + 1));
    const name = routeOf(req.method ?? 'GET', resource.replace(/\(.*$/, ''));
    counters[name]++;
    listener?.(name, url);
    const failure = failures.shift();
    if (failure)
      return json(
        res,
        dvError(
          failure.status,
          failure.code ?? (failure.status === 429 ? '0x80072322' : ''),
          failure.message ?? 'Injected failure',
          failure.retryAfter,
        ),
      );
    if (resource === '$batch' && req.method === 'POST') {
      const reply = handleBatch(state, headers['content-type'] ?? '', body, headers.prefer ?? '', batches);
      if ('raw' in reply) {
        res.writeHead(reply.status, { 'OData-Version': '4.0', ...reply.headers }).end(reply.raw);
        return;
      }
      return json(res, reply);
    }
    return json(res, handleEntity(state, { method: req.method ?? 'GET', url, headers, body }));
  }

  // Dataverse accepts URLs up to 32,768 characters; Node's default header limit is 16 KB.
  const server = createServer({ maxHeaderSize: 64 * 1024 }, (req, res) => {
    void route(req, res).catch((err: unknown) => {
      if (!res.headersSent) json(res, dvError(500, '0x80040216', `fake failure: ${String(err)}`));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  base = `http://127.0.0.1:${port}`;
  // msal refuses an http authority but, given metadata, never connects to it (msal-metadata.ts).
  const authorityHost = `https://127.0.0.1:${port}`;

  return {
    url: base,
    apiPath,
    tenantId: tokens.tenantId,
    msalMetadata: () => msalMetadataFor(base, authorityHost, tokens.tenantId),
    counters,
    batches,
    resetCounters: () => {
      for (const k of Object.keys(counters) as RouteName[]) counters[k] = 0;
      batches.length = 0;
    },
    failNext: (n, failure) => {
      for (let i = 0; i < n; i++) failures.push(failure);
    },
    failWrites: (when, failure, times = 1) => {
      state.recordFailures.push({ matches: when, failure, times });
    },
    setLatency: (ms) => {
      latency = ms;
    },
    onRequest: (fn) => {
      listener = fn;
    },
    records: (table) => store.rows(table),
    seed: (table, cols) => structuredClone(store.outside(() => store.insert(table, cols))),
    updateAsUser: (id, cols, table = 'opportunities') =>
      structuredClone(store.outside(() => store.update(table, id, cols, SELLER_ID))),
    qualifyLeadAsUser(leadId, opportunity = {}) {
      const reply = store.outside(() =>
        qualifyLead(store, leadId, { CreateAccount: true, CreateOpportunity: true, Status: 3 }, opportunity, SELLER_ID),
      );
      const created = (reply.body as { value?: Row[] } | undefined)?.value ?? [];
      const opp = created.find((r) => typeof r.opportunityid === 'string');
      if (reply.status !== 200 || !opp) throw new Error(`fake dataverse: cannot qualify lead ${leadId}`);
      return String(opp.opportunityid);
    },
    deleteAsUser(id, table = 'opportunities') {
      if (!store.outside(() => store.remove(table, id))) throw new Error(`fake dataverse: no ${table} row ${id}`);
    },
    issuedAccessTokens: () => tokens.issuedAccessTokens(),
    revokeAccessTokens: () => tokens.revokeAccessTokens(),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function json(res: ServerResponse, reply: FakeReply): void {
  const headers: Record<string, string> = { 'OData-Version': '4.0', ...reply.headers };
  if (reply.body === undefined) {
    res.writeHead(reply.status, headers).end();
    return;
  }
  res
    .writeHead(reply.status, { 'content-type': 'application/json; odata.metadata=minimal; charset=utf-8', ...headers })
    .end(JSON.stringify(reply.body));
}
