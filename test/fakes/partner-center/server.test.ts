import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { makeReferral, makeReferrals } from './fixtures.ts';
import { type FakePartnerCenter, startFakePartnerCenter } from './server.ts';

let fake: FakePartnerCenter;
let token: string;
const API = '/v1.0/engagements/referrals';

async function call(
  path: string,
  init: RequestInit & { auth?: boolean } = {},
): Promise<{ status: number; headers: Headers; body: unknown }> {
  const headers = new Headers(init.headers);
  if (init.auth !== false) headers.set('authorization', `Bearer ${token}`);
  const res = await fetch(`${fake.url}${path}`, { ...init, headers });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as unknown) : undefined };
}

beforeAll(async () => {
  fake = await startFakePartnerCenter({ maxPageSize: 50 });
  const res = await fetch(fake.tokenEndpoint(fake.tenantId), {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: 'c',
      client_secret: 's',
      scope: 'x/.default',
    }),
  });
  token = ((await res.json()) as { access_token: string }).access_token;
});
afterAll(() => fake.close());

describe('fake Partner Center over HTTP', () => {
  it('rejects a missing or unknown token with 401 and the Partner API error envelope', async () => {
    expect(await call(API, { auth: false })).toMatchObject({
      status: 401,
      body: { error: { code: 'unauthenticated' } },
    });
    expect(await call(API, { headers: { authorization: 'Bearer nope' }, auth: false })).toMatchObject({ status: 401 });
  });

  it('lists with $filter/$orderby/$top and pages through $skiptoken nextLinks', async () => {
    fake.seed(makeReferrals(120, Date.UTC(2025, 0, 1), 1000));
    const first = await call(
      `${API}?$filter=${encodeURIComponent('updatedDateTime ge 2025-01-01T00:00:10Z')}&$orderby=updatedDateTime%20asc&$top=500`,
    );
    const body = first.body as { value: unknown[]; '@odata.nextLink': string };
    expect(body.value).toHaveLength(50); // capped at maxPageSize
    expect(body['@odata.nextLink']).toContain('$skiptoken=');
    const rest = await call(body['@odata.nextLink'].slice(fake.url.length));
    expect((rest.body as { value: unknown[] }).value).toHaveLength(50);
    expect(await call(`${API}?$filter=${encodeURIComponent("direction eq 'Outgoing'")}`)).toMatchObject({
      status: 400,
    });
  });

  it('PATCH: enforces If-Match (412 preconditionFailed), answers 204 without Prefer, records every patch', async () => {
    const r = fake.upsert(makeReferral({ id: 'p-1' }));
    const patch = (ifMatch: string, prefer?: string) =>
      call(`${API}/p-1`, {
        method: 'PATCH',
        body: JSON.stringify([{ op: 'replace', path: '/details/notes', value: 'n' }]),
        headers: { 'content-type': 'application/json', 'if-match': ifMatch, ...(prefer ? { prefer } : {}) },
      });
    expect(await patch('"stale"')).toMatchObject({ status: 412, body: { error: { code: 'preconditionFailed' } } });
    const ok = await patch(r.eTag as string);
    expect(ok.status).toBe(204);
    const eTag = ok.headers.get('etag') ?? '';
    expect(eTag).not.toBe(r.eTag);
    expect(await patch(eTag, 'return=representation')).toMatchObject({
      status: 200,
      body: { id: 'p-1', details: { notes: 'n' } },
    });
    expect(fake.patches.filter((p) => p.id === 'p-1').map((p) => p.outcome)).toEqual([
      'conflict',
      'applied',
      'applied',
    ]);
    expect(fake.get('p-1')).toMatchObject({ details: { notes: 'n' } });
  });

  it('injects failures with Retry-After, then recovers; counts calls per route', async () => {
    fake.resetCounters();
    fake.failNext(2, { status: 429, retryAfter: '2' });
    const a = await call(`${API}/p-1`);
    expect(a.status).toBe(429);
    expect(a.headers.get('retry-after')).toBe('2');
    expect(a.body).toMatchObject({ error: { code: 'throttled' } });
    expect((await call(API)).status).toBe(429);
    expect((await call(`${API}/p-1`)).status).toBe(200);
    expect(fake.counters).toMatchObject({ get: 2, list: 1, patch: 0 });
  });

  it('rejects an access token once its lifetime has passed', async () => {
    expect((await call(`${API}/p-1`)).status).toBe(200);
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.now() + 3_601_000);
      expect(await call(`${API}/p-1`)).toMatchObject({ status: 401, body: { error: { code: 'unauthenticated' } } });
    } finally {
      vi.useRealTimers();
    }
  });

  it('adds fixed latency when asked', async () => {
    fake.setLatency(60);
    const started = Date.now();
    await call(`${API}/p-1`);
    fake.setLatency(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(55);
  });

  it('POST creates an outgoing referral, answers 400 naming a missing field, and can lose one answer (issue 16)', async () => {
    const body = {
      type: 'Independent',
      externalReferenceId: 'CRM-1',
      customerProfile: { name: 'Fabrikam', address: { country: 'DE' } },
      consent: { consentToShareReferralWithMicrosoftSellers: false },
      details: { dealValue: 10, currency: 'EUR' },
    };
    const post = (b: unknown) =>
      call(API, { method: 'POST', body: JSON.stringify(b), headers: { 'content-type': 'application/json' } });
    expect(await post(body)).toMatchObject({
      status: 201,
      body: { status: 'Active', substatus: 'Accepted', direction: 'Outgoing', externalReferenceId: 'CRM-1' },
    });
    expect(await post({ ...body, consent: undefined })).toMatchObject({
      status: 400,
      body: { error: { code: 'invalidRequest', message: 'consent is required' } },
    });
    fake.loseNextCreateAnswer('drop-after-create');
    await expect(post({ ...body, externalReferenceId: 'CRM-2' })).rejects.toThrow();
    expect(fake.all().filter((r) => r.externalReferenceId === 'CRM-2')).toHaveLength(1);
  });
});
