import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { type FakeReferral, ReferralIndex } from './referral-index.ts';
import { TokenService, type TokenServiceOptions } from './token-service.ts';
import { handleApi, type ApiState, type Failure, type PatchRecord, type RouteName } from './api-routes.ts';
import { msalMetadataFor, type FakeMsalMetadata } from './msal-metadata.ts';
import { Pager, type PagingMode } from './paging.ts';
import { answerCoSell, type CreateFault } from './create-route.ts';

export type { FakeReferral, Failure, PatchRecord, RouteName, FakeMsalMetadata, PagingMode, CreateFault };

export interface FakePartnerCenterOptions extends TokenServiceOptions {
  /** Fixed delay before every answer (API and token endpoints), in ms. */
  latencyMs?: number;
  /** Largest page the list endpoint serves; `$top` above it is capped (2019 docs: 100). */
  maxPageSize?: number;
  /** The fake's clock, shared by tokens and eTag/updatedDateTime stamps. Defaults to Date.now. */
  now?: () => number;
  /** Port to listen on (default: any free port on 127.0.0.1). */
  port?: number;
  /** What `$skiptoken` means (paging.ts); default `keyset`. */
  paging?: PagingMode;
  /** PATCHes above this many per second are answered 429 with Retry-After (api-routes.ts PatchThrottle). */
  patchesPerSecond?: number;
}

export interface FakePartnerCenter {
  /** API base URL, e.g. http://127.0.0.1:41234 (the client appends /v1.0/engagements/referrals). */
  readonly url: string;
  /** Nominal https authority host for msal: msal refuses http authorities but never connects to it
   *  when given the metadata from `msalMetadata()`; all traffic goes to the http token endpoint. */
  readonly authorityHost: string;
  /** The tenant id written into id tokens when the authority is `organizations`/`common`. */
  readonly tenantId: string;
  tokenEndpoint(tenant?: string): string;
  deviceCodeEndpoint(tenant?: string): string;
  /** Everything msal-node needs to talk only to this fake (see FakeMsalMetadata). */
  msalMetadata(tenant?: string): FakeMsalMetadata;
  seed(referrals: FakeReferral[]): void;
  /** Creates or replaces a referral as the service would: new eTag, updatedDateTime = now. */
  upsert(referral: FakeReferral): FakeReferral;
  get(id: string): FakeReferral | undefined;
  all(): FakeReferral[];
  /** Every PATCH the fake accepted or rejected, in arrival order. */
  readonly patches: readonly PatchRecord[];
  /** Every create (POST) the fake accepted or refused, in arrival order. */
  readonly creates: readonly {
    at: string;
    outcome: 'created' | 'invalid';
    externalReferenceId: unknown;
    message?: string;
  }[];
  /** The next create is made, then its answer is lost: the socket closes, or no answer ever comes. */
  loseNextCreateAnswer(fault: CreateFault): void;
  /** Microsoft accepts or declines a shared co-sell (its copy of the engagement). */
  answerCoSell(referralId: string, answer: 'accept' | 'decline', reason?: string): FakeReferral;
  /** The next `n` API calls (not token calls) answer with this failure. */
  failNext(n: number, failure: Failure): void;
  setLatency(ms: number): void;
  /** Switches how new list traversals page (paging.ts); nextLinks already handed out keep theirs. */
  setPaging(mode: PagingMode): void;
  approveDeviceCode(userCode?: string): number;
  /** Makes every access token issued so far answer 401. */
  revokeAccessTokens(): void;
  /** Makes every refresh token issued so far answer invalid_grant. */
  revokeRefreshTokens(): void;
  setAccessTokenLifetime(seconds: number): void;
  issuedAccessTokens(): string[];
  /** PATCHes the `patchesPerSecond` throttle answered 429. */
  throttledPatches(): number;
  /** Calls per route since start or the last resetCounters(). */
  readonly counters: Readonly<Record<RouteName, number>>;
  resetCounters(): void;
  close(): Promise<void>;
}

const TOKEN_PATH = /^\/([^/]+)\/oauth2\/v2\.0\/(token|devicecode)$/;

export async function startFakePartnerCenter(opts: FakePartnerCenterOptions = {}): Promise<FakePartnerCenter> {
  // Looked up per call, so vi.setSystemTime / fake Date moves the fake's clock too.
  const now = opts.now ?? ((): number => Date.now());
  let base = '';
  const index = new ReferralIndex(now);
  const tokens = new TokenService(opts, now, (tid) => `https://${new URL(base).host}/${tid}/v2.0`);
  const pager = new Pager(index);
  pager.mode = opts.paging ?? 'keyset';
  const state: ApiState = {
    index,
    pager,
    tokens,
    failures: [],
    patches: [],
    maxPageSize: opts.maxPageSize ?? 100,
    counters: { token: 0, devicecode: 0, list: 0, get: 0, patch: 0, create: 0, unauthorized: 0, other: 0 },
    microsoft: new Map(),
    createFaults: [],
    creates: [],
    baseUrl: () => base,
    now,
    throttle:
      opts.patchesPerSecond === undefined
        ? undefined
        : { perSecond: opts.patchesPerSecond, tokens: opts.patchesPerSecond, at: now(), rejected: 0 },
  };
  let latency = opts.latencyMs ?? 0;

  const server = createServer((req, res) => {
    void route(req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, { error: { code: 'generalException', message: String(err) } });
    });
  });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    if (latency > 0) await new Promise((r) => setTimeout(r, latency));
    const url = new URL(req.url ?? '/', base);
    const oauth = TOKEN_PATH.exec(url.pathname);
    if (oauth && req.method === 'POST') {
      const [, tenant, kind] = oauth as unknown as [string, string, string];
      const form = new URLSearchParams(body);
      if (kind === 'devicecode') {
        state.counters.devicecode++;
        const reply = tokens.deviceCode(form, `${base}/devicelogin`);
        return send(res, reply.status, reply.body);
      }
      state.counters.token++;
      const reply = tokens.token(tenant, form);
      return send(res, reply.status, reply.body);
    }
    const api = handleApi(state, req.method ?? 'GET', url, req.headers, body);
    if (api.fault === 'drop') {
      req.socket.destroy();
      return;
    }
    // Never answered; close() ends the connection.
    if (api.fault === 'hang') return;
    const headers: Record<string, string> = { 'request-id': randomUUID(), ...api.headers };
    const cri = req.headers['client-request-id'];
    if (typeof cri === 'string') headers['client-request-id'] = cri;
    if (api.status === 204) {
      res.writeHead(204, headers).end();
      return;
    }
    res.writeHead(api.status, { 'content-type': 'application/json; charset=utf-8', ...headers }).end(api.body);
  }

  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  base = `http://127.0.0.1:${port}`;
  const authorityHost = `https://127.0.0.1:${port}`;
  const tenantOf = (t?: string): string => t ?? 'organizations';

  return {
    url: base,
    authorityHost,
    tenantId: tokens.tenantId,
    tokenEndpoint: (t) => `${base}/${tenantOf(t)}/oauth2/v2.0/token`,
    deviceCodeEndpoint: (t) => `${base}/${tenantOf(t)}/oauth2/v2.0/devicecode`,
    msalMetadata: (t) => msalMetadataFor(base, authorityHost, tenantOf(t)),
    seed: (referrals) => index.seed(referrals),
    upsert: (referral) => {
      if (typeof referral.id !== 'string') throw new Error('upsert needs a string id');
      return index.write(referral.id, referral);
    },
    get: (id) => index.get(id),
    all: () => index.all(),
    patches: state.patches,
    creates: state.creates,
    loseNextCreateAnswer: (fault) => {
      state.createFaults.push(fault);
    },
    answerCoSell: (referralId, answer, reason) => answerCoSell(state, referralId, answer, reason),
    failNext: (n, failure) => {
      for (let i = 0; i < n; i++) state.failures.push(failure);
    },
    setLatency: (ms) => {
      latency = ms;
    },
    setPaging: (mode) => {
      pager.mode = mode;
    },
    approveDeviceCode: (userCode) => tokens.approveDeviceCode(userCode),
    revokeAccessTokens: () => tokens.revokeAccessTokens(),
    revokeRefreshTokens: () => tokens.revokeRefreshTokens(),
    setAccessTokenLifetime: (seconds) => {
      tokens.lifetimeSec = seconds;
    },
    issuedAccessTokens: () => tokens.issuedAccessTokens(),
    throttledPatches: () => state.throttle?.rejected ?? 0,
    counters: state.counters,
    resetCounters: () => {
      for (const k of Object.keys(state.counters) as RouteName[]) state.counters[k] = 0;
    },
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
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > 1_000_000) req.destroy(new Error('body too large'));
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}
