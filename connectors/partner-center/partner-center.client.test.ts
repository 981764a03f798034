import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Referral } from '../../src/domain/referral.ts';
import { AuthError, ConflictError, NotFoundError, RateLimitedError, RetryableError } from '../../src/errors.ts';
import type { ListReferralsQuery, PartnerCenterClient, ReferralListPage } from '../../src/ports/partner-center.ts';
import { makeReferral, makeReferrals } from '../../test/fakes/partner-center/fixtures.ts';
import { type FakePartnerCenter, startFakePartnerCenter } from '../../test/fakes/partner-center/server.ts';
import { createAppTokenProvider } from './app-auth.ts';
import { createPartnerCenterClient } from './partner-center.client.ts';

let fake: FakePartnerCenter;
let client: PartnerCenterClient;

beforeAll(async () => {
  fake = await startFakePartnerCenter({ clientId: 'pc-app', clientSecret: 'app-secret' });
  const tokens = createAppTokenProvider({
    ...fake.msalMetadata(fake.tenantId),
    clientId: 'pc-app',
    clientSecret: 'app-secret',
    scope: 'https://api.partner.microsoft.com/.default',
  });
  client = createPartnerCenterClient({ tokens, baseUrl: fake.url, pageSize: 40 });
});
afterAll(() => fake.close());
beforeEach(() => fake.resetCounters());

async function collect(query: ListReferralsQuery): Promise<ReferralListPage[]> {
  const pages: ReferralListPage[] = [];
  for await (const page of client.listReferrals(query)) pages.push(page);
  return pages;
}

describe('PartnerCenterClient against the fake', () => {
  const seeded = makeReferrals(250, Date.parse('2024-06-01T00:00:00Z'), 60_000);
  beforeAll(() => fake.seed(seeded));

  it('follows @odata.nextLink across pages and returns every referral exactly once', async () => {
    const pages = await collect({ updatedSince: new Date('2024-01-01T00:00:00Z') });
    const ids = pages.flatMap((p) => p.referrals.map((r) => r.id));
    expect(pages.length).toBe(7); // 250 / 40
    expect(fake.counters.list).toBe(7);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(ids)).toEqual(new Set(seeded.map((r) => r.id)));
    expect(pages.every((p) => p.invalid.length === 0)).toBe(true);
    // `more` says whether the service offered a next page (keyset paging relies on it, #12).
    expect(pages.map((p) => p.more)).toEqual([true, true, true, true, true, true, false]);
  });

  it('asks for no further page once the caller stops early', async () => {
    for await (const page of client.listReferrals({ updatedSince: new Date('2024-01-01T00:00:00Z') })) {
      expect(page.more).toBe(true);
      break;
    }
    expect(fake.counters.list).toBe(1);
  });

  it('sends updatedSince as $filter (inclusive) and ANDs an extra filter', async () => {
    const since = new Date(Date.parse('2024-06-01T00:00:00Z') + 200 * 60_000);
    const recent = (await collect({ updatedSince: since })).flatMap((p) => p.referrals);
    expect(recent.map((r) => r.id)).toEqual(seeded.slice(200).map((r) => r.id)); // ascending by updatedDateTime
    const won = (await collect({ updatedSince: since, filter: "status eq 'Closed'" })).flatMap((p) => p.referrals);
    expect(won.length).toBeGreaterThan(0);
    expect(won.every((r) => r.status === 'Closed')).toBe(true);
    const desc = (await collect({ updatedSince: since, orderBy: 'updatedDateTime desc', pageSize: 7 })).flatMap(
      (p) => p.referrals,
    );
    expect(desc.map((r) => r.id)).toEqual(
      seeded
        .slice(200)
        .map((r) => r.id)
        .reverse(),
    );
  });

  it('gets a referral by id, URL-encoding the id', async () => {
    const odd = makeReferral({ id: 'odd/id ?#%' });
    fake.seed([odd]);
    await expect(client.getReferral('odd/id ?#%')).resolves.toMatchObject({ id: 'odd/id ?#%', eTag: odd.eTag });
    await expect(client.getReferral('missing')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('patches with If-Match and returns the referral with a new eTag', async () => {
    const r = fake.upsert(makeReferral({ status: 'New', substatus: 'Pending' })) as Referral;
    const member = { firstName: 'Jane', lastName: 'Roe', email: 'jane.roe@northwind.example' };
    const updated = await client.patchReferral(
      r.id,
      [
        { op: 'replace', path: '/status', value: 'Active' },
        { op: 'replace', path: '/substatus', value: 'Accepted' },
        { op: 'add', path: '/team/-', value: member },
      ],
      r.eTag,
    );
    expect(updated).toMatchObject({ id: r.id, status: 'Active', substatus: 'Accepted' });
    expect(updated.team?.at(-1)).toMatchObject(member);
    expect(updated.eTag).not.toBe(r.eTag);
    expect(Date.parse(updated.updatedDateTime ?? '')).toBeGreaterThan(Date.parse(r.updatedDateTime as string) - 1);
    expect(fake.patches.at(-1)).toMatchObject({ id: r.id, ifMatch: r.eTag, outcome: 'applied' });
    expect(fake.get(r.id)).toMatchObject({ status: 'Active', eTag: updated.eTag });
  });

  it('a stale eTag yields ConflictError carrying the referral id', async () => {
    const r = fake.upsert(makeReferral()) as Referral;
    fake.upsert({ ...r, name: 'changed by a seller' }); // someone else writes: new eTag
    const err = await client
      .patchReferral(r.id, [{ op: 'replace', path: '/details/notes', value: 'x' }], r.eTag)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConflictError);
    expect((err as ConflictError).referralId).toBe(r.id);
    expect(fake.patches.at(-1)).toMatchObject({ id: r.id, outcome: 'conflict' });
  });

  it('429 with Retry-After: 2 → RateLimitedError with retryAfterMs 2000; 503 → RetryableError', async () => {
    fake.failNext(1, { status: 429, retryAfter: '2' });
    const err = await collect({}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitedError);
    expect((err as RateLimitedError).retryAfterMs).toBe(2000);
    fake.failNext(1, { status: 503 });
    const err503 = await client.getReferral(seeded[0]?.id ?? '').catch((e: unknown) => e);
    expect(err503).toBeInstanceOf(RetryableError);
    expect(err503).not.toBeInstanceOf(RateLimitedError);
  });

  it('a revoked access token (401) is replaced once, past the token caches; concurrent callers share the new one', async () => {
    const own = await startFakePartnerCenter();
    try {
      const tokens = createAppTokenProvider({
        ...own.msalMetadata(own.tenantId),
        clientId: 'a',
        clientSecret: 's',
        scope: 'x/.default',
      });
      const c = createPartnerCenterClient({ tokens, baseUrl: own.url });
      own.seed([makeReferral({ id: 'r-401' })]);
      await c.getReferral('r-401');
      own.revokeAccessTokens();
      const again = await Promise.all([c.getReferral('r-401'), c.getReferral('r-401'), c.getReferral('r-401')]);
      expect(again.map((r) => r.id)).toEqual(['r-401', 'r-401', 'r-401']);
      expect(own.counters.unauthorized).toBe(3);
      expect(own.issuedAccessTokens()).toHaveLength(2);
    } finally {
      await own.close();
    }
  });

  it('a new access token rejected too (401 twice) → AuthError', async () => {
    const own = await startFakePartnerCenter({ accessTokenLifetimeSec: 0 });
    try {
      const tokens = createAppTokenProvider({
        ...own.msalMetadata(own.tenantId),
        clientId: 'a',
        clientSecret: 's',
        scope: 'x/.default',
      });
      const c = createPartnerCenterClient({ tokens, baseUrl: own.url });
      own.seed([makeReferral({ id: 'r-401' })]);
      await expect(c.getReferral('r-401')).rejects.toBeInstanceOf(AuthError);
      expect(own.counters.unauthorized).toBe(2);
    } finally {
      await own.close();
    }
  });
});

describe('validation of listed referrals', () => {
  it('reports an item without id as invalid (naming `id`), keeps the others, and passes unknown enums through', async () => {
    const own = await startFakePartnerCenter();
    try {
      const tokens = createAppTokenProvider({
        ...own.msalMetadata(own.tenantId),
        clientId: 'a',
        clientSecret: 's',
        scope: 'x/.default',
      });
      const c = createPartnerCenterClient({ tokens, baseUrl: own.url });
      const { id: _dropped, ...noId } = makeReferral({ updatedDateTime: '2025-05-01T00:00:00Z' });
      own.seed([
        noId,
        makeReferral({ id: 'err-1', status: 'Closed', substatus: 'Error', updatedDateTime: '2025-05-02T00:00:00Z' }),
        makeReferral({
          id: 'new-1',
          status: 'SomethingNew',
          substatus: 'AlsoNew',
          updatedDateTime: '2025-05-03T00:00:00Z',
        }),
      ]);
      const pages: ReferralListPage[] = [];
      for await (const p of c.listReferrals({})) pages.push(p);
      const invalid = pages.flatMap((p) => p.invalid);
      expect(invalid).toHaveLength(1);
      expect(invalid[0]?.id).toBeUndefined();
      expect(invalid[0]?.error).toMatch(/\bid\b/);
      const ok = pages.flatMap((p) => p.referrals);
      expect(ok.map((r) => [r.id, r.status, r.substatus])).toEqual([
        ['err-1', 'Closed', 'Error'],
        ['new-1', 'SomethingNew', 'AlsoNew'],
      ]);
    } finally {
      await own.close();
    }
  });
});
