import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleTokenRequest, type ClientCredentialsConfig, type JwtBearerConfig } from './fake-oauth.ts';
import { handleComposite, type FakeSubrequest } from './fake-composite.ts';
import { batchSize, emptyCounters, header, INVALID, parseJson, readBody } from './fake-http.ts';
import { FakeQueryEngine } from './fake-query.ts';
import { apiError, handleRoute, routeOf, type FakeRoute, type Reply } from './fake-routes.ts';
import { DEFAULT_STAGES, type FieldSpec, type StageSpec } from './fake-schema.ts';
import { FakeStore } from './fake-store.ts';
import type { SfRecord, SfValue } from './fake-table.ts';

export interface FakeSalesforceOptions {
  /** JWT bearer grant: accepted when the assertion verifies against `publicKey`. */
  jwt?: JwtBearerConfig;
  /** Client credentials grant. */
  clientCredentials?: ClientCredentialsConfig;
  /** Query page size (default 2000, Salesforce's); `Sforce-Query-Options: batchSize=N` overrides. */
  pageSize?: number;
  /** Delay before every response, to make concurrency visible. */
  latencyMs?: number;
  /** Extra/replacement fields per object (merged over the defaults by name). */
  fields?: Record<string, FieldSpec[]>;
  /** Reject unknown fields with INVALID_FIELD (default false: unknown fields are stored). */
  strictFields?: boolean;
  /** STRING_TOO_LONG for values over a field's length (default true). */
  enforceLengths?: boolean;
  stages?: StageSpec[];
  /** 200 (default, API 46+) or 204 for an upsert that updated. */
  upsertUpdateStatus?: 200 | 204;
  now?: () => Date;
  port?: number;
  /** Organization.DefaultCurrencyIsoCode (default USD). */
  orgCurrency?: string;
  /** Opportunity Teams on (default true); false: OpportunityTeamMember is not an object here. */
  teamSelling?: boolean;
}

export type FakeCounters = Record<FakeRoute, number> & { total: number };

export interface FakeRequest {
  method: string;
  path: string;
  route: FakeRoute;
  status: number;
  /** The `Sforce-Call-Options` header as received, undefined when absent. */
  callOptions: string | undefined;
  /** For route 'composite': its subrequests, in order (the call counts once, as 'composite'). */
  subrequests?: FakeSubrequest[];
}

export interface FakeSalesforce {
  /** Base URL: use as login URL and instance URL. */
  readonly url: string;
  readonly orgId: string;
  /** The user the issued tokens belong to (our integration user). */
  readonly integrationUserId: string;
  /** The user `updateAsUser` edits as (a human). */
  readonly humanUserId: string;
  close(): Promise<void>;
  /** Invalidates every issued token: the next API call answers 401 INVALID_SESSION_ID. */
  expireTokens(): void;
  /** The next `times` writes of the record with this external-id value fail with `errorCode`. */
  failRecord(extIdValue: string, errorCode: string, times?: number, message?: string): void;
  /**
   * The next `n` data API calls fail as a whole with `status` (503 SERVER_UNAVAILABLE or 500).
   * 429: a throttling edge answers Too Many Requests with `Retry-After: retryAfter` (default '1')
   * and a body that is not a Salesforce error list.
   */
  failNext(n: number, status?: 503 | 500 | 429, retryAfter?: string): void;
  /** The next data API call that writes (any method but GET) fails as a whole with `status`. */
  failNextWrite(status?: 503 | 500): void;
  /** Every access token the token endpoint issued (for "no token in any log" assertions). */
  issuedAccessTokens(): string[];
  counters(): FakeCounters;
  resetCounters(): void;
  requests(): readonly FakeRequest[];
  records(type: string): SfRecord[];
  record(type: string, id: string): SfRecord | undefined;
  /** Writes a record without validation (test setup); returns its Id. */
  setRecord(type: string, fields: Record<string, SfValue>): string;
  /** A human edit: bumps SystemModstamp (strictly increasing), LastModifiedById = humanUserId. */
  updateAsUser(id: string, fields: Record<string, SfValue>): void;
  /** A human deletes the record: it goes to the recycle bin (reads by Id: ENTITY_IS_DELETED). */
  deleteAsUser(id: string): void;
  /**
   * A seller converts a Lead in the UI (issue 16): creates an Account and an Opportunity (fields
   * over defaults: Name "<Company>-", StageName Prospecting, CloseDate today), marks the Lead
   * converted and locks it (writes: CANNOT_UPDATE_CONVERTED_LEAD).
   */
  convertLeadAsUser(
    leadId: string,
    opportunity?: Record<string, SfValue>,
  ): { opportunityId: string; accountId: string };
}

const ORG_ID = '00D000000000001AAA';
const INTEGRATION_USER = '005000000000001AAA';
const HUMAN_USER = '005000000000002AAA';
const DATA_PATH = /^\/services\/data\/v(\d+\.\d)\/(.*)$/;

export async function startFakeSalesforce(opts: FakeSalesforceOptions = {}): Promise<FakeSalesforce> {
  const now = opts.now ?? (() => new Date());
  const store = new FakeStore({
    ...(opts.fields ? { fields: opts.fields } : {}),
    strictFields: opts.strictFields ?? false,
    enforceLengths: opts.enforceLengths ?? true,
    stages: opts.stages ?? DEFAULT_STAGES,
    now,
    integrationUserId: INTEGRATION_USER,
    ...(opts.orgCurrency ? { orgCurrency: opts.orgCurrency } : {}),
    ...(opts.teamSelling === false ? { omitTypes: ['OpportunityTeamMember'] } : {}),
  });
  const query = new FakeQueryEngine(store);
  const tokens = new Set<string>();
  const issued: string[] = [];
  const log: FakeRequest[] = [];
  let counters = emptyCounters();
  let failures: { left: number; status: 503 | 500 | 429; retryAfter: string } = {
    left: 0,
    status: 503,
    retryAfter: '1',
  };
  let writeFailure: 503 | 500 | undefined;
  let baseUrl = '';

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', baseUrl);
    const method = req.method ?? 'GET';
    const raw = await readBody(req);
    if (opts.latencyMs) await new Promise((r) => setTimeout(r, opts.latencyMs));
    const callOptions = header(req, 'sforce-call-options');
    let route: FakeRoute = 'unknown';
    let reply: Reply;
    let subrequests: FakeSubrequest[] | undefined;
    let retryAfter: string | undefined;
    if (url.pathname === '/services/oauth2/token' && method === 'POST') {
      route = 'token';
      const out = handleTokenRequest(new URLSearchParams(raw), header(req, 'authorization'), {
        jwt: opts.jwt,
        clientCredentials: opts.clientCredentials,
        baseUrl,
        orgId: ORG_ID,
        userId: INTEGRATION_USER,
        now,
      });
      if (out.token) {
        tokens.add(out.token);
        issued.push(out.token);
      }
      reply = { status: out.status, body: out.body };
    } else {
      const m = DATA_PATH.exec(url.pathname);
      const version = m?.[1] ?? '62.0';
      const seg = (m?.[2] ?? '')
        .split('/')
        .filter((s) => s !== '')
        .map(decodeURIComponent);
      route = m ? routeOf(method, seg) : 'unknown';
      const bearer = header(req, 'authorization')?.replace(/^Bearer\s+/i, '');
      let injected: 503 | 500 | 429 | undefined;
      if (failures.left > 0) {
        failures.left -= 1;
        injected = failures.status;
        if (injected === 429) retryAfter = failures.retryAfter;
      } else if (writeFailure !== undefined && m && method !== 'GET') {
        injected = writeFailure;
        writeFailure = undefined;
      }
      if (injected !== undefined) {
        reply =
          injected === 429
            ? { status: 429, body: 'Too Many Requests' }
            : injected === 503
              ? apiError(503, 'SERVER_UNAVAILABLE', 'Server temporarily unavailable, please retry')
              : apiError(
                  500,
                  'UNKNOWN_EXCEPTION',
                  'An unexpected error occurred. Please include this ErrorId if you contact support: 0-0 (fake)',
                );
      } else if (bearer === undefined || !tokens.has(bearer)) {
        reply = apiError(401, 'INVALID_SESSION_ID', 'Session expired or invalid');
      } else if (!m) {
        reply = apiError(404, 'NOT_FOUND', 'The requested resource does not exist');
      } else {
        const body = parseJson(raw);
        const ctx = {
          store,
          query,
          version,
          pageSize: opts.pageSize ?? 2000,
          userId: INTEGRATION_USER,
          upsertUpdateStatus: opts.upsertUpdateStatus ?? 200,
        };
        const composite = body !== INVALID && route === 'composite' ? handleComposite(ctx, body) : undefined;
        subrequests = composite?.subrequests;
        reply =
          body === INVALID
            ? apiError(400, 'JSON_PARSER_ERROR', 'The request body is not valid JSON')
            : (composite?.reply ??
              handleRoute(
                ctx,
                route,
                method,
                seg,
                url.searchParams,
                body,
                batchSize(header(req, 'sforce-query-options')),
              ));
      }
    }
    counters[route] += 1;
    counters.total += 1;
    log.push({
      method,
      path: url.pathname,
      route,
      status: reply.status,
      callOptions,
      ...(subrequests ? { subrequests } : {}),
    });
    res.statusCode = reply.status;
    res.setHeader('Sforce-Limit-Info', `api-usage=${counters.total}/100000`);
    if (retryAfter !== undefined) res.setHeader('Retry-After', retryAfter);
    if (reply.body === undefined) {
      res.end();
      return;
    }
    res.setHeader('Content-Type', 'application/json;charset=UTF-8');
    res.end(JSON.stringify(reply.body));
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      res.statusCode = 500;
      res.setHeader('Content-Type', 'application/json;charset=UTF-8');
      res.end(JSON.stringify([{ errorCode: 'UNKNOWN_EXCEPTION', message: `fake salesforce crashed: ${String(err)}` }]));
    });
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: baseUrl,
    orgId: ORG_ID,
    integrationUserId: INTEGRATION_USER,
    humanUserId: HUMAN_USER,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
    expireTokens: () => tokens.clear(),
    failRecord: (value, code, times = 1, message) => store.injectFailure(value, code, times, message),
    failNext: (n, status = 503, retryAfter = '1') => {
      failures = { left: n, status, retryAfter };
    },
    failNextWrite: (status = 503) => {
      writeFailure = status;
    },
    issuedAccessTokens: () => [...issued],
    counters: () => ({ ...counters }),
    resetCounters: () => {
      counters = emptyCounters();
      log.length = 0;
    },
    requests: () => [...log],
    records: (type) => [...(store.table(type)?.byId.values() ?? [])].map((r) => ({ ...r })),
    record: (type, id) => {
      const r = store.table(type)?.byId.get(id);
      return r ? { ...r } : undefined;
    },
    setRecord: (type, fields) => store.put(type, fields, INTEGRATION_USER),
    updateAsUser: (id, fields) => store.touch(id, fields, HUMAN_USER),
    deleteAsUser: (id) => store.softDelete(id),
    convertLeadAsUser: (leadId, opportunity = {}) =>
      store.convertLead(leadId, opportunity, HUMAN_USER, now().toISOString().slice(0, 10)),
  };
}
