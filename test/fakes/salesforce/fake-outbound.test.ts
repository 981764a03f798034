import { describe, expect, it } from 'vitest';
import { FakeQueryEngine } from './fake-query.ts';
import { handleRoute, routeOf, type RouteContext } from './fake-routes.ts';
import { DEFAULT_STAGES } from './fake-schema.ts';
import { FakeStore } from './fake-store.ts';

/*
 * What outbound polling needs from the fake, without a server: a strictly increasing
 * SystemModstamp, datetime ordering and filters, `!= null`, PATCH by Id and deleted records.
 */

const USER = '005000000000001AAA';
const HUMAN = '005000000000002AAA';
const FROZEN = new Date('2030-01-01T00:00:00Z');

function setup(): {
  store: FakeStore;
  ctx: RouteContext;
  call: (method: string, path: string, body?: unknown) => { status: number; body?: unknown };
} {
  const store = new FakeStore({
    strictFields: false,
    enforceLengths: true,
    stages: DEFAULT_STAGES,
    now: () => FROZEN,
    integrationUserId: USER,
  });
  const ctx: RouteContext = {
    store,
    query: new FakeQueryEngine(store),
    version: '62.0',
    pageSize: 2,
    userId: USER,
    upsertUpdateStatus: 200,
  };
  const call = (method: string, path: string, body?: unknown) => {
    const url = new URL(path, 'http://fake');
    const seg = url.pathname
      .split('/')
      .filter((s) => s !== '')
      .map(decodeURIComponent);
    return handleRoute(ctx, routeOf(method, seg), method, seg, url.searchParams, body, undefined);
  };
  return { store, ctx, call };
}

const opp = (ref: string | null, extra: Record<string, string> = {}) => ({
  Name: `Deal ${ref ?? '-'}`,
  StageName: 'Prospecting',
  CloseDate: '2030-06-30',
  Referral_Id__c: ref,
  ...extra,
});
const stampOf = (store: FakeStore, id: string): number =>
  Date.parse(String(store.table('Opportunity')?.byId.get(id)?.SystemModstamp));

describe('fake salesforce for outbound polling', () => {
  it('gives every write a strictly increasing SystemModstamp, even under a frozen clock', () => {
    const { store } = setup();
    const a = store.put('Opportunity', opp('R-1'), USER);
    const b = store.put('Opportunity', opp('R-2'), USER);
    expect(stampOf(store, b)).toBeGreaterThan(stampOf(store, a));
    const before = stampOf(store, b);
    store.touch(a, { StageName: 'Closed Won' }, HUMAN);
    store.touch(a, { Description: 'again' }, HUMAN);
    expect(stampOf(store, a)).toBeGreaterThan(before + 1);
    expect(store.table('Opportunity')?.byId.get(a)).toMatchObject({
      IsClosed: true,
      IsWon: true,
      LastModifiedById: HUMAN,
    });
  });

  it('stamps after an explicitly set SystemModstamp', () => {
    const { store } = setup();
    const a = store.put('Opportunity', { ...opp('R-1'), SystemModstamp: '2031-01-01T00:00:00.000+0000' }, USER);
    const b = store.put('Opportunity', opp('R-2'), USER);
    expect(stampOf(store, b)).toBeGreaterThan(stampOf(store, a));
  });

  it('filters on datetimes and != null, orders by SystemModstamp then Id, and pages with queryMore', () => {
    const { store, call } = setup();
    store.put('Opportunity', { ...opp('R-1'), SystemModstamp: '2029-12-31T23:00:05.000-0100' }, USER);
    store.put('Opportunity', { ...opp('R-2'), SystemModstamp: '2030-01-01T00:00:02.000+0000' }, USER);
    store.put('Opportunity', { ...opp('R-3'), SystemModstamp: '2030-01-01T00:00:02.000+0000' }, USER);
    store.put('Opportunity', { ...opp(null), SystemModstamp: '2030-01-01T00:00:09.000+0000' }, USER);
    store.put('Opportunity', { ...opp('R-0'), SystemModstamp: '2030-01-01T00:00:01.000+0000' }, USER);
    const soql =
      'SELECT Id, Referral_Id__c FROM Opportunity WHERE Referral_Id__c != null AND SystemModstamp >= 2030-01-01T00:00:02Z ORDER BY SystemModstamp, Id';
    const first = call('GET', `/query?q=${encodeURIComponent(soql)}`).body as {
      nextRecordsUrl: string;
      records: { Referral_Id__c: string }[];
    };
    const next = call('GET', first.nextRecordsUrl.replace('/services/data/v62.0', '')).body as {
      done: boolean;
      records: { Referral_Id__c: string }[];
    };
    expect([...first.records, ...next.records].map((r) => r.Referral_Id__c)).toEqual(['R-2', 'R-3', 'R-1']);
    expect(next.done).toBe(true);
  });

  it('updates by Id with PATCH, and answers ENTITY_IS_DELETED for a deleted record', () => {
    const { store, call } = setup();
    const id = store.put('Opportunity', opp('R-1'), USER);
    expect(
      call('PATCH', `/sobjects/Opportunity/${id}`, { StageName: 'Closed Lost', Referral_Sync_Message__c: 'm' }).status,
    ).toBe(204);
    expect(store.table('Opportunity')?.byId.get(id)).toMatchObject({
      IsClosed: true,
      IsWon: false,
      Referral_Sync_Message__c: 'm',
    });
    store.softDelete(id);
    expect(call('GET', `/sobjects/Opportunity/${id}?fields=Id`)).toMatchObject({
      status: 404,
      body: [{ errorCode: 'ENTITY_IS_DELETED' }],
    });
    expect(call('PATCH', `/sobjects/Opportunity/${id}`, { Name: 'x' })).toMatchObject({
      status: 404,
      body: [{ errorCode: 'ENTITY_IS_DELETED' }],
    });
    expect(call('GET', '/sobjects/Opportunity/006000000000ZZZAAA')).toMatchObject({
      status: 404,
      body: [{ errorCode: 'NOT_FOUND' }],
    });
  });
});

describe('fake salesforce opportunity teams', () => {
  const teamSoql = (oppId: string) =>
    `/query?q=${encodeURIComponent(`SELECT OpportunityId, User.FirstName, User.Email FROM OpportunityTeamMember WHERE OpportunityId IN ('${oppId}') ORDER BY CreatedDate, Id`)}`;

  it('returns a parent through its relationship name as a nested record', () => {
    const { store, call } = setup();
    const oppId = store.put('Opportunity', opp('R-1'), USER);
    const userId = store.put('User', { FirstName: 'Ana', LastName: 'Silva', Email: 'ana@partner.example' }, USER);
    store.put('OpportunityTeamMember', { OpportunityId: oppId, UserId: userId, TeamMemberRole: 'Sales Rep' }, USER);
    store.put('OpportunityTeamMember', { OpportunityId: oppId, UserId: null }, USER);
    const body = call('GET', teamSoql(oppId)).body as { records: Record<string, unknown>[] };
    expect(body.records).toEqual([
      expect.objectContaining({
        OpportunityId: oppId,
        User: expect.objectContaining({ FirstName: 'Ana', Email: 'ana@partner.example' }),
      }),
      expect.objectContaining({ OpportunityId: oppId, User: null }),
    ]);
    expect(call('GET', `/query?q=${encodeURIComponent('SELECT User.Nope FROM OpportunityTeamMember')}`)).toMatchObject({
      status: 400,
      body: [{ errorCode: 'INVALID_FIELD' }],
    });
  });

  it('has no OpportunityTeamMember object when Team Selling is off', () => {
    const store = new FakeStore({
      strictFields: false,
      enforceLengths: true,
      stages: DEFAULT_STAGES,
      now: () => FROZEN,
      integrationUserId: USER,
      omitTypes: ['OpportunityTeamMember'],
    });
    const engine = new FakeQueryEngine(store);
    expect(engine.run('SELECT OpportunityId FROM OpportunityTeamMember', '62.0', 200)).toMatchObject({
      ok: false,
      errorCode: 'INVALID_TYPE',
    });
    expect(engine.run('SELECT Email FROM User', '62.0', 200)).toMatchObject({ ok: true });
  });
});

describe('fake salesforce users', () => {
  it('holds the integration user and the seller; a user a test adds gets an id of its own', () => {
    const { store } = setup();
    expect(store.table('User')?.byId.get(USER)).toMatchObject({ LastName: 'User' });
    expect(store.table('User')?.byId.get(HUMAN)).toMatchObject({ LastName: 'Seller' });
    const added = store.put('User', { LastName: 'Silva', Email: 'ana@partner.example' }, USER);
    expect([USER, HUMAN]).not.toContain(added);
  });
});
