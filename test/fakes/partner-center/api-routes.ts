import type { IncomingHttpHeaders } from 'node:http';
import { applyPatch } from './json-patch.ts';
import { parseListQuery } from './odata.ts';
import { encodePageToken, type Pager } from './paging.ts';
import type { ReferralIndex } from './referral-index.ts';
import type { TokenService } from './token-service.ts';
import { createReferral, relatedOf, type CreateFault, type CreateState } from './create-route.ts';

export type RouteName = 'token' | 'devicecode' | 'list' | 'get' | 'patch' | 'create' | 'unauthorized' | 'other';

/** An injected failure for the next API call(s). */
export interface Failure {
  status: number;
  /** Retry-After header value, seconds or an HTTP date. */
  retryAfter?: string;
  /** Partner API error code in the body (default: throttled / serviceNotAvailable / generalException). */
  code?: string;
  /** The error message in the body (default: `injected failure <status>`). */
  message?: string;
}

export interface PatchRecord {
  id: string;
  ops: unknown;
  ifMatch: string | undefined;
  at: string;
  outcome: 'applied' | 'conflict' | 'invalid' | 'notFound';
}

/**
 * Throttling of PATCHes (issue 19's bench): a token bucket holding one second's worth, refilled at
 * `perSecond`; a PATCH finding it empty is answered 429 with Retry-After (whole seconds, at least 1).
 */
export interface PatchThrottle {
  perSecond: number;
  tokens: number;
  at: number;
  /** PATCHes answered 429 by the throttle. */
  rejected: number;
}

export interface ApiState extends CreateState {
  index: ReferralIndex;
  throttle?: PatchThrottle | undefined;
  pager: Pager;
  tokens: TokenService;
  failures: Failure[];
  patches: PatchRecord[];
  counters: Record<RouteName, number>;
  maxPageSize: number;
  baseUrl: () => string;
  now: () => number;
}

export interface ApiReply {
  /** The server loses the answer: closes the socket (`drop`) or never answers (`hang`). */
  fault?: 'drop' | 'hang';
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

const BASE = '/v1.0/engagements/referrals';

/**
 * Partner API error envelope (docs/partner-center-referrals-api.md, "Errors and request headers"): branch on `code`,
 * not `message`.
 */
const fail = (status: number, code: string, message: string, headers?: Record<string, string>): ApiReply => ({
  status,
  body: JSON.stringify({ error: { code, message } }),
  ...(headers ? { headers } : {}),
});

const defaultCode = (status: number): string =>
  status === 429 ? 'throttled' : status === 503 ? 'serviceNotAvailable' : 'generalException';

export function handleApi(
  state: ApiState,
  method: string,
  url: URL,
  headers: IncomingHttpHeaders,
  body: string,
): ApiReply {
  const path = url.pathname.replace(/\/+$/, '');
  const id = path.startsWith(`${BASE}/`) ? decodeURIComponent(path.slice(BASE.length + 1)) : undefined;
  const route: RouteName =
    path === BASE && method === 'GET'
      ? 'list'
      : id !== undefined && method === 'GET'
        ? 'get'
        : id !== undefined && method === 'PATCH'
          ? 'patch'
          : path === BASE && method === 'POST'
            ? 'create'
            : 'other';
  state.counters[route]++;
  if (route === 'other') return fail(404, 'invalidRequest', `no route for ${method} ${url.pathname}`);

  const bearer = /^Bearer (\S+)$/.exec(headers.authorization ?? '');
  if (!bearer || !state.tokens.isValid(bearer[1] as string)) {
    state.counters.unauthorized++;
    return fail(401, 'unauthenticated', 'the access token is missing, expired or unknown', {
      'www-authenticate': 'Bearer',
    });
  }

  const injected = state.failures.shift();
  if (injected) {
    const extra: Record<string, string> =
      injected.retryAfter !== undefined ? { 'retry-after': injected.retryAfter } : {};
    return fail(
      injected.status,
      injected.code ?? defaultCode(injected.status),
      injected.message ?? `injected failure ${injected.status}`,
      extra,
    );
  }

  if (route === 'patch' && state.throttle) {
    const wait = takeToken(state.throttle, state.now());
    if (wait > 0) {
      state.throttle.rejected++;
      return fail(429, 'throttled', 'too many requests', {
        'retry-after': String(Math.max(1, Math.ceil(wait / 1000))),
      });
    }
  }

  if (route === 'list') return list(state, url);
  if (route === 'create') return create(state, body);
  const current = state.index.get(id as string);
  if (route === 'get') {
    if (!current) return fail(404, 'itemNotFound', `referral ${id} not found`);
    return { status: 200, headers: etagHeader(current.eTag), body: JSON.stringify(current) };
  }
  return patch(state, id as string, current, headers, body);
}

function list(state: ApiState, url: URL): ApiReply {
  const parsed = parseListQuery(url.searchParams, state.maxPageSize);
  if (!parsed.ok) return fail(400, 'invalidRequest', parsed.error);
  if (parsed.engagementId !== undefined) {
    // Related referrals: one engagement holds a handful, served in one page.
    const items = relatedOf(state, parsed.engagementId).map((r) => JSON.stringify(r));
    return { status: 200, body: `{"value":[${items.join(',')}]}` };
  }
  const served = state.pager.page(parsed.query, parsed.token);
  if (!served) return fail(400, 'invalidRequest', 'the $skiptoken has expired; list again');
  const base = state.baseUrl();
  let envelope = `{"@odata.context":${JSON.stringify(`${base}/v1.0/$metadata#Referrals`)},"value":[${served.items.join(',')}]`;
  if (served.next) {
    const params = new URLSearchParams(url.searchParams);
    params.set('$skiptoken', encodePageToken(served.next));
    // OData system options keep their literal `$`, as in Microsoft's samples.
    const qs = [...params].map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
    envelope += `,"@odata.nextLink":${JSON.stringify(`${base}${BASE}?${qs}`)}`;
  }
  return { status: 200, body: `${envelope}}` };
}

function patch(
  state: ApiState,
  id: string,
  current: Record<string, unknown> | undefined,
  headers: IncomingHttpHeaders,
  body: string,
): ApiReply {
  const ifMatch = typeof headers['if-match'] === 'string' ? headers['if-match'] : undefined;
  let ops: unknown;
  try {
    ops = JSON.parse(body);
  } catch {
    ops = undefined;
  }
  const record = (outcome: PatchRecord['outcome']): void => {
    state.patches.push({ id, ops, ifMatch, at: new Date(state.now()).toISOString(), outcome });
  };
  if (!current) {
    record('notFound');
    return fail(404, 'itemNotFound', `referral ${id} not found`);
  }
  const type = headers['content-type'] ?? '';
  // Microsoft's samples send application/json; RFC 6902's own type is accepted too.
  if (!/^application\/(json|json-patch\+json)\b/.test(type)) {
    record('invalid');
    return fail(415, 'invalidRequest', `unsupported content type ${type}`);
  }
  // If-Match is optional; when sent it is enforced (docs/partner-center-referrals-api.md, "Updates: PATCH, If-Match
  // and 412").
  if (ifMatch !== undefined && ifMatch !== '*' && ifMatch !== current.eTag) {
    record('conflict');
    return fail(412, 'preconditionFailed', 'the referral was modified; re-read it and retry');
  }
  const applied = applyPatch(current, ops);
  if (!applied.ok) {
    record('invalid');
    return fail(400, 'invalidRequest', applied.error);
  }
  const stored = state.index.write(id, applied.doc);
  record('applied');
  if (!/return=representation/i.test(String(headers.prefer ?? '')))
    return { status: 204, headers: etagHeader(stored.eTag) };
  return { status: 200, headers: etagHeader(stored.eTag), body: JSON.stringify(stored) };
}

const etagHeader = (eTag: unknown): Record<string, string> => (typeof eTag === 'string' ? { etag: eTag } : {});

function create(state: ApiState, body: string): ApiReply {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return fail(400, 'invalidRequest', 'the body is not JSON');
  }
  const r = createReferral(state, parsed);
  if (!r.ok) return fail(400, 'invalidRequest', r.message);
  const lost: Record<CreateFault, 'drop' | 'hang'> = { 'drop-after-create': 'drop', 'hang-after-create': 'hang' };
  return {
    status: 201,
    headers: etagHeader(r.stored.eTag),
    body: JSON.stringify(r.stored),
    ...(r.fault ? { fault: lost[r.fault] } : {}),
  };
}

/** Takes one token; returns 0, or the ms until one is available (taking nothing). */
function takeToken(t: PatchThrottle, now: number): number {
  t.tokens = Math.min(t.perSecond, t.tokens + ((now - t.at) / 1000) * t.perSecond);
  t.at = now;
  if (t.tokens >= 1) {
    t.tokens -= 1;
    return 0;
  }
  return ((1 - t.tokens) / t.perSecond) * 1000;
}
