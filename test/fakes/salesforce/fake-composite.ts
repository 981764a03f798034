import {
  apiError,
  handleRoute,
  isObject,
  routeOf,
  type FakeRoute,
  type Reply,
  type RouteContext,
} from './fake-routes.ts';

/*
 * `POST /services/data/vXX.X/composite`: subrequests run in order in one API call; a later one
 * may use an earlier one's answer through `@{referenceId.path}` in its url or body. With
 * allOrNone false a failed subrequest stops only those that reference it (PROCESSING_HALTED).
 * allOrNone true (rollback across subrequests) is not modelled: the fake refuses it.
 */

/** One subrequest of a composite call, as the request log shows it. */
export interface FakeSubrequest {
  referenceId: string;
  method: string;
  path: string;
  route: FakeRoute;
  status: number;
}

const MAX_SUBREQUESTS = 25;
/** At most 5 subrequests may be sObject Collections or queries. */
const MAX_HEAVY = 5;
const HEAVY = new Set<FakeRoute>(['query', 'queryMore', 'upsertCollection', 'createCollection', 'updateCollection']);
const DATA_PATH = /^\/services\/data\/v(\d+\.\d)\/(.*)$/;
const REFERENCE = /@\{([A-Za-z0-9_]+)((?:\.[A-Za-z0-9_]+|\[\d+\])*)\}/g;
const REFERENCE_ID = /^[A-Za-z0-9_]{1,80}$/;

interface Sub {
  method: string;
  url: string;
  referenceId: string;
  body: unknown;
}

export function handleComposite(ctx: RouteContext, body: unknown): { reply: Reply; subrequests: FakeSubrequest[] } {
  const subrequests: FakeSubrequest[] = [];
  const refuse = (message: string, code = 'INVALID_API_INPUT') => ({
    reply: apiError(400, code, message),
    subrequests,
  });
  if (!isObject(body) || !Array.isArray(body.compositeRequest))
    return refuse('body must have a compositeRequest array', 'JSON_PARSER_ERROR');
  if (body.allOrNone === true) return refuse('fake salesforce: composite allOrNone=true is not modelled');
  const raw: unknown[] = body.compositeRequest;
  if (raw.length === 0 || raw.length > MAX_SUBREQUESTS)
    return refuse(`a composite request takes 1 to ${MAX_SUBREQUESTS} subrequests, not ${raw.length}`);
  const subs: Sub[] = [];
  for (const r of raw) {
    if (
      !isObject(r) ||
      typeof r.method !== 'string' ||
      typeof r.url !== 'string' ||
      typeof r.referenceId !== 'string' ||
      !REFERENCE_ID.test(r.referenceId)
    ) {
      return refuse('each subrequest needs method, url and an alphanumeric referenceId', 'JSON_PARSER_ERROR');
    }
    if (subs.some((s) => s.referenceId === r.referenceId)) return refuse(`duplicate referenceId ${r.referenceId}`);
    subs.push({ method: r.method, url: r.url, referenceId: r.referenceId, body: r.body });
  }
  const heavy = subs.filter((s) => HEAVY.has(routeOf(s.method, segments(s.url) ?? []))).length;
  if (heavy > MAX_HEAVY) return refuse(`at most ${MAX_HEAVY} subrequests may be collections or queries, not ${heavy}`);

  const answers = new Map<string, { status: number; body: unknown }>();
  const compositeResponse = subs.map((sub) => {
    const reply = run(ctx, sub, answers, subrequests);
    answers.set(sub.referenceId, { status: reply.status, body: reply.body });
    return { body: reply.body ?? null, httpHeaders: {}, httpStatusCode: reply.status, referenceId: sub.referenceId };
  });
  return { reply: { status: 200, body: { compositeResponse } }, subrequests };
}

function run(
  ctx: RouteContext,
  sub: Sub,
  answers: Map<string, { status: number; body: unknown }>,
  log: FakeSubrequest[],
): Reply {
  let halted: string | undefined;
  const substitute = (text: string, json: boolean): string =>
    text.replace(REFERENCE, (expr: string, ref: string, path: string) => {
      const earlier = answers.get(ref);
      const value = earlier && earlier.status < 400 ? valueAt(earlier.body, path) : undefined;
      if (value === undefined || value === null || typeof value === 'object') {
        halted ??= `Invalid reference specified. No value for ${expr.slice(2, -1)} found in ${ref}.`;
        return '';
      }
      return json ? JSON.stringify(String(value)).slice(1, -1) : encodeURIComponent(String(value));
    });
  const url = substitute(sub.url, false);
  const body: unknown = sub.body === undefined ? undefined : JSON.parse(substitute(JSON.stringify(sub.body), true));
  const parsed = new URL(url, 'http://fake');
  const seg = segments(url);
  const route = seg ? routeOf(sub.method, seg) : 'unknown';
  const reply =
    halted !== undefined
      ? apiError(400, 'PROCESSING_HALTED', halted)
      : !seg || route === 'unknown' || route === 'composite'
        ? apiError(404, 'NOT_FOUND', 'The requested resource does not exist')
        : handleRoute(
            { ...ctx, version: DATA_PATH.exec(parsed.pathname)?.[1] ?? ctx.version },
            route,
            sub.method,
            seg,
            parsed.searchParams,
            body,
            undefined,
          );
  log.push({ referenceId: sub.referenceId, method: sub.method, path: parsed.pathname, route, status: reply.status });
  return reply;
}

/** Path segments after /services/data/vXX.X/, or undefined for another path. */
function segments(url: string): string[] | undefined {
  const m = DATA_PATH.exec(new URL(url, 'http://fake').pathname);
  return m
    ? (m[2] ?? '')
        .split('/')
        .filter((s) => s !== '')
        .map(decodeURIComponent)
    : undefined;
}

/** `.id`, `[0].id`, `.records[0].Id` inside an earlier answer. */
function valueAt(body: unknown, path: string): unknown {
  let value = body;
  for (const part of path.match(/\.[A-Za-z0-9_]+|\[\d+\]/g) ?? []) {
    if (part.startsWith('['))
      value = Array.isArray(value) ? (value as unknown[])[Number(part.slice(1, -1))] : undefined;
    else value = isObject(value) ? value[part.slice(1)] : undefined;
  }
  return value;
}
