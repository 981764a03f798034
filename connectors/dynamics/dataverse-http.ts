import axios, { type AxiosResponse } from 'axios';
import { z } from 'zod';
import type { HttpFailure } from '../../src/errors-classify.ts';
import { type SyncError, ValidationError } from '../../src/errors.ts';
import type { Logger } from '../../src/log/logger.ts';
import { toHttpFailure } from '../shared/http-failure.ts';
import { classifyDataverseError, REMOTE } from './classify-dataverse-error.ts';
import type { TokenProvider } from '../../src/ports/partner-center.ts';

interface DataverseRequest {
  method: 'GET' | 'PATCH' | 'POST';
  /** Relative to the service root (`opportunities(…)`), or an absolute same-origin URL (nextLink). */
  path: string;
  /** JSON body, or a string sent as is (`$batch`). */
  body?: unknown;
  headers?: Record<string, string>;
  /** The response body as text (`$batch` answers multipart/mixed). */
  text?: boolean;
}

interface DataverseResponse {
  status: number;
  headers: Record<string, string>;
  data: unknown;
}

type Attempt = { ok: true; res: DataverseResponse } | { ok: false; failure: HttpFailure; error: SyncError };

export interface DataverseHttp {
  /** e.g. https://contoso.crm4.dynamics.com/api/data/v9.2/ */
  readonly serviceRoot: string;
  /** One request; a non-2xx answer comes back described, for callers that keep some per record. */
  attempt(req: DataverseRequest, referralId?: string): Promise<Attempt>;
  /** One request; any failure is thrown as our error. */
  call(req: DataverseRequest, referralId?: string): Promise<DataverseResponse>;
  /** GET with `Prefer: odata.maxpagesize`, following `@odata.nextLink` on the same origin. */
  pages(path: string, extraPrefer?: string): AsyncGenerator<Record<string, unknown>[]>;
}

const Page = z.object({ value: z.array(z.record(z.string(), z.unknown())), '@odata.nextLink': z.string().optional() });
/** A nextLink loop that never ends (a proxy rewriting links) stops here: 5,000 rows × 10,000 pages. */
const MAX_PAGES = 10_000;

export interface HttpSettings {
  url: string;
  apiPath: string;
  timeoutMs: number;
  pageSize: number;
}

export function createDataverseHttp(s: HttpSettings, tokens: TokenProvider, log?: Logger): DataverseHttp {
  const serviceRoot = `${s.url}${s.apiPath}/`;
  const origin = new URL(serviceRoot).origin;
  // No redirects: a redirect would replay the Authorization header to wherever it points.
  const http = axios.create({ timeout: s.timeoutMs, maxRedirects: 0 });

  async function send(req: DataverseRequest, token: string): Promise<AxiosResponse<unknown>> {
    const url = /^https?:\/\//.test(req.path) ? req.path : `${serviceRoot}${req.path}`;
    const headers: Record<string, string> = {
      Authorization: `Bearer ${token}`,
      Accept: 'application/json',
      'OData-MaxVersion': '4.0',
      'OData-Version': '4.0',
      // Dataverse docs send `If-None-Match: null` on reads so no cache answers; on writes the
      // header means "create only", so it is left to the caller there.
      ...(req.method === 'GET' ? { 'If-None-Match': 'null' } : {}),
      ...(req.body !== undefined && typeof req.body !== 'string' ? { 'Content-Type': 'application/json' } : {}),
      ...req.headers,
    };
    return http.request<unknown>({
      method: req.method,
      url,
      headers,
      data: req.body,
      ...(req.text ? { responseType: 'text' } : {}),
    });
  }

  async function attempt(req: DataverseRequest, referralId?: string): Promise<Attempt> {
    let rejected: string | undefined;
    for (let tries = 0; ; tries++) {
      // Token failures are already our errors (dataverse-auth.ts), so they stay outside the try.
      const token = await tokens.getAccessToken(rejected);
      try {
        const res = await send(req, token);
        return { ok: true, res: { status: res.status, headers: plainHeaders(res.headers), data: res.data } };
      } catch (err) {
        // toHttpFailure keeps whitelisted facts only; the AxiosError (token in config) stops here.
        const failure = toHttpFailure(err, { remote: REMOTE, referralId });
        if (failure.status === 401 && tries === 0) {
          rejected = token;
          log?.warn({ remote: REMOTE }, 'dataverse answered 401; retrying once with a fresh token');
          continue;
        }
        return { ok: false, failure, error: classifyDataverseError(failure) };
      }
    }
  }

  async function call(req: DataverseRequest, referralId?: string): Promise<DataverseResponse> {
    const r = await attempt(req, referralId);
    if (!r.ok) throw r.error;
    return r.res;
  }

  async function* pages(path: string, extraPrefer?: string): AsyncGenerator<Record<string, unknown>[]> {
    const prefer = [`odata.maxpagesize=${s.pageSize}`, ...(extraPrefer ? [extraPrefer] : [])].join(',');
    let next: string | undefined = path;
    for (let n = 1; next !== undefined; n++) {
      const res = await call({ method: 'GET', path: next, headers: { Prefer: prefer } });
      const page = Page.safeParse(res.data);
      if (!page.success)
        throw new ValidationError(
          `dynamics ${path.split('?')[0] ?? ''} page ${n} failed its schema: ${page.error.issues[0]?.message ?? ''}`,
        );
      yield page.data.value;
      const link = page.data['@odata.nextLink'];
      if (link === undefined) return;
      // The link is followed unchanged (docs/dataverse-api.md, "Web API paging"), but only to our own environment:
      // the bearer
      // token goes with it.
      if (!URL.canParse(link) || new URL(link).origin !== origin)
        throw new ValidationError('dynamics: @odata.nextLink points outside the environment');
      if (link === next || n >= MAX_PAGES)
        throw new ValidationError(`dynamics: @odata.nextLink does not advance (page ${n})`);
      next = link;
    }
  }

  return { serviceRoot, attempt, call, pages };
}

function plainHeaders(headers: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof headers !== 'object' || headers === null) return out;
  const json = (headers as { toJSON?: () => unknown }).toJSON?.() ?? headers;
  for (const [k, v] of Object.entries(json as Record<string, unknown>)) {
    if (typeof v === 'string' || typeof v === 'number') out[k.toLowerCase()] = String(v);
    else if (Array.isArray(v)) out[k.toLowerCase()] = v.join(', ');
  }
  return out;
}
