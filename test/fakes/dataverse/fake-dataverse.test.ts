import axios, { type AxiosResponse } from 'axios';
import { afterEach, describe, expect, it } from 'vitest';
import { parseFilter } from './odata-filter.ts';
import { startFakeDataverse, type FakeDataverse } from './server.ts';

describe('parseFilter', () => {
  const row = { name: "O'Brien", zip: null, n: 5, on: '2026-01-01T10:00:00.500Z', key: 'REF-1', flag: true };
  it.each([
    ["name eq 'o''brien'", true],
    ["name ne 'x' and zip eq null", true],
    ['zip ne null', false],
    ['n ge 5 and n lt 6', true],
    ['n gt 5', false],
    ['on ge 2026-01-01T10:00:00Z', true],
    ['on ge 2026-01-01T10:00:00.501Z', false],
    ["(key eq 'REF-2' or key eq 'ref-1') and flag eq true", true],
    ["not (key eq 'REF-1')", false],
    ['missing eq null', true],
  ])('%s -> %s', (filter, expected) => expect(parseFilter(filter)(row)).toBe(expected));

  it.each(["name eq 'open", "contains(name,'x')", 'name eq', "name eq 'a' xor n eq 1"])('rejects %s', (filter) => {
    expect(() => parseFilter(filter)).toThrow();
  });
});

let fake: FakeDataverse | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function client(opts: Parameters<typeof startFakeDataverse>[0] = {}) {
  fake = await startFakeDataverse(opts);
  const f = fake;
  const form = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: 'c',
    client_secret: 's',
    scope: `${f.url}/.default`,
  });
  const token = (await axios.post<{ access_token: string }>(`${f.url}/${f.tenantId}/oauth2/v2.0/token`, form)).data
    .access_token;
  const api = `${f.url}${f.apiPath}/`;
  const call = (
    method: string,
    path: string,
    data?: unknown,
    headers: Record<string, string> = {},
  ): Promise<AxiosResponse<unknown>> =>
    axios.request({
      method,
      url: /^http/.test(path) ? path : `${api}${path}`,
      data,
      headers: { Authorization: `Bearer ${token}`, ...headers },
      validateStatus: () => true,
    });
  return { f, call, api };
}

const body = (r: AxiosResponse<unknown>): Record<string, unknown> => r.data as Record<string, unknown>;

describe('fake Dataverse', () => {
  it('answers 401 without a valid token and counts routes', async () => {
    const { f, call } = await client();
    expect((await axios.get(`${f.url}${f.apiPath}/opportunities`, { validateStatus: () => true })).status).toBe(401);
    await call('GET', 'opportunities');
    expect(f.counters).toMatchObject({ token: 1, unauthorized: 1, query: 1 });
  });

  it('upserts by alternate key: 201 then 200 with return=representation, 204 without', async () => {
    const { f, call } = await client();
    const prefer = { Prefer: 'return=representation' };
    const created = await call(
      'PATCH',
      "opportunities(new_referralid='R-1')?$select=opportunityid",
      { name: 'A' },
      prefer,
    );
    const updated = await call(
      'PATCH',
      "opportunities(new_referralid='r-1')?$select=opportunityid",
      { name: 'B' },
      prefer,
    );
    const plain = await call('PATCH', "opportunities(new_referralid='R-1')", { name: 'C' });
    expect([created.status, updated.status, plain.status]).toEqual([201, 200, 204]);
    expect(body(updated).opportunityid).toBe(body(created).opportunityid);
    expect(Object.keys(body(created)).sort()).toEqual(['@odata.etag', 'opportunityid']);
    expect(plain.headers['odata-entityid']).toContain(String(body(created).opportunityid));
    expect(f.records('opportunities')).toMatchObject([{ name: 'C', new_referralid: 'R-1' }]);
    expect((await call('PATCH', "opportunities(name='x')", { name: 'x' })).status).toBe(400);
  });

  it('keeps closed opportunities read-only and refuses statecode writes', async () => {
    const { f, call } = await client();
    const row = f.seed('opportunities', { name: 'Won deal', new_referralid: 'W-1', statecode: 1, statuscode: 3 });
    const edit = await call('PATCH', `opportunities(${String(row.opportunityid)})`, { name: 'x' });
    expect(edit.status).toBe(400);
    expect(body(edit).error).toMatchObject({ message: expect.stringContaining('closed') });
    const open = f.seed('opportunities', { name: 'Open', new_referralid: 'O-1' });
    expect((await call('PATCH', `opportunities(${String(open.opportunityid)})`, { statecode: 1 })).status).toBe(400);
    expect(
      (await call('PATCH', `opportunities(${String(row.opportunityid)})`, { statecode: 0, statuscode: 1 })).status,
    ).toBe(204);
  });

  it('pages with odata.maxpagesize and a nextLink that survives edits between pages', async () => {
    const { f, call } = await client();
    for (let i = 0; i < 7; i++) f.seed('opportunities', { name: `O${i}`, new_referralid: `R-${i}` });
    const first = await call('GET', 'opportunities?$select=name&$orderby=modifiedon asc', undefined, {
      Prefer: 'odata.maxpagesize=3',
    });
    expect(first.headers['preference-applied']).toBe('odata.maxpagesize=3');
    const firstRows = body(first).value as Record<string, unknown>[];
    f.updateAsUser(String(firstRows[0]?.opportunityid), { name: 'O0 edited' });
    const names = [...firstRows.map((r) => r.name)];
    let next = body(first)['@odata.nextLink'] as string | undefined;
    while (next) {
      const page = await call('GET', next, undefined, { Prefer: 'odata.maxpagesize=3' });
      names.push(...(body(page).value as Record<string, unknown>[]).map((r) => r.name));
      next = body(page)['@odata.nextLink'] as string | undefined;
    }
    expect(names).toEqual(['O0', 'O1', 'O2', 'O3', 'O4', 'O5', 'O6', 'O0 edited']);
  });

  it('expands the currency lookup and answers unsupported queries with 400', async () => {
    const { call } = await client();
    await call('PATCH', "opportunities(new_referralid='R-1')", {
      name: 'A',
      'transactioncurrencyid@odata.bind': '/transactioncurrencies(c0000000-0000-4000-8000-0000000000e2)',
    });
    const r = await call(
      'GET',
      "opportunities?$select=name&$expand=transactioncurrencyid($select=isocurrencycode)&$filter=new_referralid eq 'R-1'",
    );
    expect((body(r).value as unknown[])[0]).toMatchObject({ transactioncurrencyid: { isocurrencycode: 'USD' } });
    expect((await call('GET', "opportunities?$filter=contains(name,'A')")).status).toBe(400);
  });

  it('runs change sets atomically and stops a batch at the first failure unless asked to continue', async () => {
    const { f, call } = await client();
    const part = (n: number, name: string): string =>
      `--cs${n}\r\nContent-Type: application/http\r\nContent-ID: ${n}\r\n\r\nPATCH opportunities(new_referralid='R-${n}') HTTP/1.1\r\nContent-Type: application/json\r\n\r\n{"name":"${name}"}\r\n`;
    const changeset = (n: number, parts: string[]): string =>
      `--b\r\nContent-Type: multipart/mixed; boundary=cs${n}\r\n\r\n${parts.join('')}--cs${n}--\r\n`;
    const batch =
      [
        changeset(1, [part(1, 'ok'), part(1, 'x'.repeat(301))]), // second request fails: the first is undone
        changeset(2, [part(2, 'ok')]),
      ].join('') + '--b--\r\n';
    const headers = { 'Content-Type': 'multipart/mixed; boundary=b' };
    const stopped = await call('POST', '$batch', batch, headers);
    expect(stopped.status).toBe(200);
    expect(String(stopped.data).match(/HTTP\/1\.1 \d{3}/g)).toEqual(['HTTP/1.1 400']);
    expect(f.records('opportunities')).toHaveLength(0);
    const continued = await call('POST', '$batch', batch, { ...headers, Prefer: 'odata.continue-on-error' });
    expect(String(continued.data).match(/HTTP\/1\.1 \d{3}/g)).toEqual(['HTTP/1.1 400', 'HTTP/1.1 204']);
    expect(f.records('opportunities').map((r) => r.new_referralid)).toEqual(['R-2']);
    expect(f.batches).toEqual([
      { requests: 3, changesets: 1, targets: ['opportunities'] },
      { requests: 3, changesets: 2, targets: ['opportunities'] },
    ]);
  });

  it('binds a lookup by alternate key to a row written earlier in the same $batch; a key no row holds is 404 Does Not Exist', async () => {
    const { f, call } = await client();
    const request = (url: string, data: unknown): string =>
      `--b\r\nContent-Type: multipart/mixed; boundary=cs\r\n\r\n--cs\r\nContent-Type: application/http\r\nContent-ID: 1\r\n\r\nPATCH ${url} HTTP/1.1\r\nContent-Type: application/json\r\n\r\n${JSON.stringify(data)}\r\n--cs--\r\n`;
    const batch =
      [
        request("accounts(new_referralsynckey='K-1')", { name: 'Contoso' }),
        request("opportunities(new_referralid='R-1')", {
          name: 'A',
          'customerid_account@odata.bind': "/accounts(new_referralsynckey='k-1')",
        }),
        request("opportunities(new_referralid='R-2')", {
          name: 'B',
          'customerid_account@odata.bind': "/accounts(new_referralsynckey='K-2')",
        }),
      ].join('') + '--b--\r\n';
    const r = await call('POST', '$batch', batch, {
      'Content-Type': 'multipart/mixed; boundary=b',
      Prefer: 'odata.continue-on-error',
    });
    expect(String(r.data).match(/HTTP\/1\.1 \d{3}/g)).toEqual(['HTTP/1.1 204', 'HTTP/1.1 204', 'HTTP/1.1 404']);
    expect(String(r.data)).toContain('Does Not Exist');
    const [account] = f.records('accounts');
    expect(f.records('opportunities')).toMatchObject([
      {
        new_referralid: 'R-1',
        _customerid_value: account?.accountid,
        '_customerid_value@Microsoft.Dynamics.CRM.lookuplogicalname': 'account',
      },
    ]);
    // A key column that is no alternate key of the table is refused.
    const bad = await call('PATCH', "opportunities(new_referralid='R-3')", {
      'customerid_account@odata.bind': "/accounts(name='Contoso')",
    });
    expect(bad.status).toBe(400);
  });

  it('injects call failures with Retry-After, per-record failures and latency', async () => {
    const { f, call } = await client({ latencyMs: 40 });
    f.failNext(1, { status: 429, retryAfter: '1' });
    const limited = await call('GET', 'opportunities');
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBe('1');
    expect(body(limited).error).toMatchObject({ code: '0x80072322' });
    f.failWrites(({ key }) => key === 'R-9', { status: 400, code: '0x80040203', message: 'Nope' });
    expect((await call('PATCH', "opportunities(new_referralid='R-9')", { name: 'x' })).status).toBe(400);
    const started = Date.now();
    expect((await call('PATCH', "opportunities(new_referralid='R-9')", { name: 'x' })).status).toBe(204);
    expect(Date.now() - started).toBeGreaterThanOrEqual(35);
  });
});
