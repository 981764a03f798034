import { randomUUID } from 'node:crypto';
import axios, { isAxiosError, type AxiosResponse, type Method } from 'axios';
import type { z } from 'zod';
import { type JsonPatchOp, parseReferral, type Referral, ReferralPage } from '../../src/domain/referral.ts';
import { ValidationError } from '../../src/errors.ts';
import type {
  ListReferralsQuery,
  PartnerCenterClient,
  ReferralCreator,
  ReferralListPage,
  TokenProvider,
} from '../../src/ports/partner-center.ts';
import { ReferralRejectedError, rejectedReason } from './referral-rejected.ts';
import { classifyHttpFailure } from '../../src/errors-classify.ts';
import { type FailureContext, responseFailure, toSyncError } from '../shared/http-failure.ts';
import { createKeepAliveHttp } from '../shared/keep-alive-http.ts';
import { firstPageUrl, REFERRALS_PATH, resolveNextLink } from './list-url.ts';

export interface PartnerCenterClientOptions {
  tokens: TokenProvider;
  /** PARTNER_CENTER_API_URL (default https://api.partner.microsoft.com); a path prefix is kept. */
  baseUrl?: string | undefined;
  /** Per-request timeout in ms (default 30 000). */
  timeoutMs?: number | undefined;
  /** `$top` when a query gives no pageSize (default 100, the documented maximum in 2019). */
  pageSize?: number | undefined;
  /** MS-CorrelationId for one operation (a whole list traversal shares one). Default: random UUID. */
  correlationId?: (() => string) | undefined;
  /** Stop a nextLink loop that never ends (default 100 000 pages). */
  maxPages?: number | undefined;
}

const REMOTE = 'partner-center';

export function createPartnerCenterClient(options: PartnerCenterClientOptions): PartnerCenterClient & ReferralCreator {
  const base = (options.baseUrl ?? 'https://api.partner.microsoft.com').replace(/\/+$/, '');
  const newCorrelationId = options.correlationId ?? randomUUID;
  const maxPages = options.maxPages ?? 100_000;
  // No redirects: a redirect would replay the Authorization header to wherever it points.
  const http = axios.create({ timeout: options.timeoutMs ?? 30_000, maxRedirects: 0 });
  // The write-back PATCH, one per referral, goes over plain node:http with a bounded keep-alive pool.
  const lean = createKeepAliveHttp({ timeoutMs: options.timeoutMs ?? 30_000 });

  async function send(
    method: Method,
    url: string,
    ctx: FailureContext,
    correlationId: string,
    extra: { headers?: Record<string, string>; data?: unknown; answer400?: boolean } = {},
  ): Promise<AxiosResponse<unknown>> {
    let rejected: string | undefined;
    for (;;) {
      const token: string = await options.tokens.getAccessToken(rejected);
      try {
        return await http.request<unknown>({
          method,
          url,
          data: extra.data,
          // A create's 400 is read here: its message names the field the seller must fix.
          ...(extra.answer400 ? { validateStatus: (st: number) => (st >= 200 && st < 300) || st === 400 } : {}),
          headers: {
            Authorization: `Bearer ${token}`,
            Accept: 'application/json',
            // a new GUID per call (docs/partner-center-referrals-api.md, "Errors and request headers")
            'client-request-id': randomUUID(),
            'MS-CorrelationId': correlationId,
            ...extra.headers,
          },
        });
      } catch (err) {
        // A token revoked (or expired by the service's clock) before ours said so: once, with
        // a new one. A second 401 is an AuthError for the admin.
        if (rejected === undefined && isAxiosError(err) && err.response?.status === 401) {
          rejected = token;
          continue;
        }
        // toSyncError builds a fresh error from whitelisted fields; the AxiosError (which holds
        // the bearer token in config/request) goes no further.
        throw toSyncError(err, ctx);
      }
    }
  }

  /** PATCH over the lean client: the same headers, 401 handling and error classification as `send`. */
  async function sendPatch(id: string, ops: JsonPatchOp[], eTag: string, correlationId: string) {
    const ctx: FailureContext = { remote: REMOTE, referralId: id };
    const url = new URL(referralUrl(id));
    const body = JSON.stringify(ops);
    let rejected: string | undefined;
    for (;;) {
      const token: string = await options.tokens.getAccessToken(rejected);
      let res;
      try {
        res = await lean.request(
          'PATCH',
          url,
          {
            Authorization: `Bearer ${token}`,
            Accept: 'application/json',
            'client-request-id': randomUUID(), // a new GUID per call (docs/partner-center-referrals-api.md, "Errors and request headers")
            'MS-CorrelationId': correlationId,
            // RFC 6902's type is application/json-patch+json, but every Microsoft sample for this
            // endpoint sends application/json (patch-a-referral), so that is what is known to work.
            'Content-Type': 'application/json',
            'If-Match': eTag,
            Prefer: 'return=representation',
          },
          body,
        );
      } catch (err) {
        throw toSyncError(err, ctx);
      }
      if (res.status === 401 && rejected === undefined) {
        rejected = token;
        continue;
      }
      // Anything but 2xx fails, redirects included: following one would replay the Authorization header.
      if (res.status < 200 || res.status >= 300)
        throw classifyHttpFailure(responseFailure(res.status, res.headers['retry-after'], res.body, ctx), new Date());
      return res;
    }
  }

  const referralUrl = (id: string): string => `${base}${REFERRALS_PATH}/${encodeURIComponent(id)}`;

  async function getReferral(id: string, correlationId = newCorrelationId()): Promise<Referral> {
    const res = await send('GET', referralUrl(id), { remote: REMOTE, referralId: id }, correlationId);
    return referralOrThrow(res.data, 'get');
  }

  const client: PartnerCenterClient & ReferralCreator = {
    async *listReferrals(query: ListReferralsQuery): AsyncIterable<ReferralListPage> {
      const correlationId = newCorrelationId();
      let url: string | undefined = firstPageUrl(base, query, options.pageSize ?? 100);
      for (let pages = 1; url !== undefined; pages++) {
        const res = await send('GET', url, { remote: REMOTE }, correlationId);
        const page = parseOrThrow(ReferralPage, res.data, 'list response');
        const next = page['@odata.nextLink'];
        const out: ReferralListPage = { referrals: [], invalid: [], more: Boolean(next) };
        for (const raw of page.value) {
          const parsed = parseReferral(raw);
          if (parsed.ok) out.referrals.push(parsed.referral);
          else out.invalid.push({ id: parsed.id, error: parsed.error, raw, fault: parsed.fault });
        }
        yield out;
        if (!next) return;
        const nextUrl = resolveNextLink(next, url, base);
        if (nextUrl === url || pages >= maxPages) {
          throw new ValidationError(`partner-center list response: @odata.nextLink does not advance (page ${pages})`);
        }
        url = nextUrl;
      }
    },

    getReferral: (id) => getReferral(id),

    async patchReferral(id: string, ops: JsonPatchOp[], eTag: string): Promise<Referral> {
      const correlationId = newCorrelationId();
      const res = await sendPatch(id, ops, eTag, correlationId);
      // 204 (Prefer ignored, or an intermediary dropped it): read the result back.
      if (res.status === 204 || res.body === '') return getReferral(id, correlationId);
      return referralOrThrow(jsonOrText(res.body), 'patch');
    },

    async createReferral(body: unknown): Promise<Referral> {
      const res = await send('POST', `${base}${REFERRALS_PATH}`, { remote: REMOTE }, newCorrelationId(), {
        data: body,
        headers: { 'Content-Type': 'application/json' },
        answer400: true,
      });
      if (res.status === 400) throw new ReferralRejectedError(rejectedReason(res.data));
      return referralOrThrow(res.data, 'create');
    },

    async findByExternalReference(externalReferenceId: string, createdSince: Date): Promise<Referral[]> {
      // No documented filter on externalReferenceId (docs/partner-center-create-referral.md): the
      // referrals changed since the first attempt are listed and matched here. A referral created
      // then has updatedDateTime >= its createdDateTime >= that instant, so none is missed.
      const found: Referral[] = [];
      for await (const page of client.listReferrals({ updatedSince: createdSince })) {
        for (const r of page.referrals) if (r.externalReferenceId === externalReferenceId) found.push(r);
      }
      return found;
    },

    async relatedReferrals(engagementId: string): Promise<Referral[]> {
      const all: Referral[] = [];
      const quoted = engagementId.replaceAll("'", "''");
      for await (const page of client.listReferrals({ filter: `engagementId eq '${quoted}'` }))
        all.push(...page.referrals);
      return all;
    },
  };
  return client;
}

/** A body that is not JSON stays text, and then fails the schema like any other wrong shape. */
function jsonOrText(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return body;
  }
}

function referralOrThrow(data: unknown, what: string): Referral {
  const parsed = parseReferral(data);
  if (parsed.ok) return parsed.referral;
  throw new ValidationError(`partner-center ${what} response failed its schema: ${parsed.error}`, {
    fault: parsed.fault,
  });
}

/** Schema failure → ValidationError naming the field paths; the body itself is never included. */
function parseOrThrow<S extends z.ZodType>(schema: S, data: unknown, what: string): z.infer<S> {
  const parsed = schema.safeParse(data);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues
    .slice(0, 5)
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    .join('; ');
  throw new ValidationError(`partner-center ${what} failed its schema: ${issues}`);
}
