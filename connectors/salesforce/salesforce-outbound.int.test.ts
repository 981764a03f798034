import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { FatalError, ValidationError } from '../../src/errors.ts';
import type { SfValue } from '../../test/fakes/salesforce/index.ts';
import {
  startSalesforceHarness,
  type HarnessOptions,
  type SalesforceHarness,
} from '../../test/fakes/salesforce/salesforce-harness.ts';

let h: SalesforceHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** Signed in, two records per query page, outbound configured with the defaults. */
async function start(over: HarnessOptions = {}): Promise<SalesforceHarness> {
  h = await startSalesforceHarness({
    ...over,
    fake: { pageSize: 2, ...over.fake },
    connector: { outbound: { fields: {}, rules: {} }, ...over.connector },
  });
  await h.connector.signIn();
  return h;
}

/** SystemModstamp `s` seconds after 2030-01-01T00:00:00Z, in Salesforce's REST format. */
const at = (s: number): string => new Date(Date.UTC(2030, 0, 1, 0, 0, s)).toISOString().replace('Z', '+0000');
const iso = (s: number): string => new Date(Date.UTC(2030, 0, 1, 0, 0, s)).toISOString();

function seed(
  harness: SalesforceHarness,
  referralId: string | null,
  stampSeconds: number,
  extra: Record<string, SfValue> = {},
): string {
  return harness.fake.setRecord('Opportunity', {
    Name: `Deal ${referralId ?? 'none'}`,
    StageName: 'Prospecting',
    CloseDate: '2030-06-30',
    Amount: 100,
    Referral_Id__c: referralId,
    SystemModstamp: at(stampSeconds),
    ...extra,
  });
}

describe('salesforce listChangedSince', () => {
  it('returns exactly the records changed since cursor - overlap, over every page, once each', async () => {
    const { fake, connector } = await start();
    const ids = Array.from({ length: 10 }, (_, i) => seed(h as SalesforceHarness, `R-${i}`, i * 10));
    seed(h as SalesforceHarness, null, 95); // no referral id: never read
    fake.resetCounters();

    const out = await connector.listChangedSince({ modstamp: iso(60), id: ids[6] ?? '' }, 25_000);

    expect(out.snapshots.map((s) => s.referralId)).toEqual(['R-4', 'R-5', 'R-6', 'R-7', 'R-8', 'R-9']);
    expect(new Set(out.snapshots.map((s) => s.crmId)).size).toBe(6);
    // The opportunities (3 pages), then the team rows changed since, then those opportunities' teams,
    // then (no currency field mapped) the org's default currency, once per connector (#15).
    expect(fake.counters()).toMatchObject({ query: 4, queryMore: 2 });
    expect(out.cursor).toEqual({ modstamp: iso(90), id: ids[9] });
    expect(out.invalid).toEqual([]);
  });

  it('reads everything with a referral id when there is no cursor', async () => {
    const { connector } = await start();
    for (let i = 0; i < 5; i++) seed(h as SalesforceHarness, `R-${i}`, 100 - i);
    const out = await connector.listChangedSince(null, 0);
    expect(out.snapshots.map((s) => s.referralId)).toEqual(['R-4', 'R-3', 'R-2', 'R-1', 'R-0']);
    expect(out.cursor?.modstamp).toBe(iso(100));
  });

  it('loses nothing when equal SystemModstamps straddle a page boundary, and sees a later edit', async () => {
    const { fake, connector } = await start();
    const ids = Array.from({ length: 5 }, (_, i) => seed(h as SalesforceHarness, `R-${i}`, 30));
    const greatest = [...ids].sort().at(-1);

    const first = await connector.listChangedSince(null, 0);
    expect(first.snapshots.map((s) => s.crmId)).toEqual([...ids].sort());
    expect(first.cursor).toEqual({ modstamp: iso(30), id: greatest });

    // Same stamp again with no overlap: `>=` re-reads the tie instead of skipping it.
    const again = await connector.listChangedSince(first.cursor, 0);
    expect(again.snapshots).toHaveLength(5);
    expect(again.cursor).toEqual(first.cursor);

    const edited = ids[0] ?? '';
    fake.updateAsUser(edited, { Referral_Decision__c: 'Accept' });
    const after = await connector.listChangedSince(again.cursor, 0);
    expect(after.snapshots.find((s) => s.crmId === edited)?.decision).toBe('accept');
    expect(after.cursor?.id).toBe(edited);
    expect(Date.parse(after.cursor?.modstamp ?? '')).toBeGreaterThan(Date.parse(iso(30)));
  });

  it('normalises the decision with the outbound rules', async () => {
    const { connector } = await start();
    seed(h as SalesforceHarness, 'R-A', 1, { Referral_Decision__c: 'Accept' });
    seed(h as SalesforceHarness, 'R-D', 2, {
      Referral_Decision__c: 'decline',
      Referral_Decline_Reason__c: 'Not a customer',
    });
    seed(h as SalesforceHarness, 'R-U', 3, { Referral_Decision__c: 'Maybe' });
    const out = await connector.listChangedSince(null, 0);
    expect(out.snapshots.map((s) => [s.referralId, s.decision, s.declineReason])).toEqual([
      ['R-A', 'accept', null],
      ['R-D', 'decline', 'Not a customer'],
      ['R-U', null, null],
    ]);
  });

  it('reads Won/Lost from IsClosed/IsWon: Closed Won, Closed Lost', async () => {
    const { connector } = await start();
    seed(h as SalesforceHarness, 'R-W', 1, { StageName: 'Closed Won' });
    seed(h as SalesforceHarness, 'R-L', 2, { StageName: 'Closed Lost' });
    seed(h as SalesforceHarness, 'R-O', 3, { StageName: 'Negotiation/Review' });
    const out = await connector.listChangedSince(null, 0);
    expect(out.snapshots.map((s) => [s.stage, s.isClosed, s.isWon])).toEqual([
      ['Closed Won', true, true],
      ['Closed Lost', true, false],
      ['Negotiation/Review', false, false],
    ]);
  });

  it('respects a custom stage table, whatever the labels say', async () => {
    const stage = (ApiName: string, IsClosed: boolean, IsWon: boolean, SortOrder: number) => ({
      ApiName,
      MasterLabel: ApiName,
      IsActive: true,
      IsClosed,
      IsWon,
      DefaultProbability: 0,
      SortOrder,
    });
    const { connector } = await start({
      fake: {
        stages: [
          stage('On Hold', false, false, 1),
          stage('Signed', true, true, 2),
          stage('Won (not really)', true, false, 3),
        ],
      },
    });
    seed(h as SalesforceHarness, 'R-S', 1, { StageName: 'Signed' });
    seed(h as SalesforceHarness, 'R-X', 2, { StageName: 'Won (not really)' });
    seed(h as SalesforceHarness, 'R-H', 3, { StageName: 'On Hold' });
    const out = await connector.listChangedSince(null, 0);
    expect(out.snapshots.map((s) => [s.referralId, s.isClosed, s.isWon])).toEqual([
      ['R-S', true, true],
      ['R-X', true, false],
      ['R-H', false, false],
    ]);
  });

  it('reports a record failing the snapshot schema by field, and still advances past it', async () => {
    const { connector } = await start();
    seed(h as SalesforceHarness, 'R-1', 1);
    const bad = seed(h as SalesforceHarness, 'R-2', 2, { CloseDate: 'next tuesday' });
    const out = await connector.listChangedSince(null, 0);
    expect(out.snapshots.map((s) => s.referralId)).toEqual(['R-1']);
    expect(out.invalid).toEqual([{ crmId: bad, error: expect.stringContaining('CloseDate (closeDate)') as unknown }]);
    expect(out.invalid[0]?.error).not.toContain('next tuesday');
    expect(out.cursor).toEqual({ modstamp: iso(2), id: bad });
  });
});

describe('salesforce getSnapshot and writeStatus', () => {
  it('reads one record; a deleted or unknown one is null', async () => {
    const { fake, connector } = await start();
    const id = seed(h as SalesforceHarness, 'R-1', 1, { StageName: 'Closed Won' });
    const listed = await connector.listChangedSince(null, 0);
    expect(await connector.getSnapshot(id)).toEqual(listed.snapshots[0]);
    fake.deleteAsUser(id);
    expect(await connector.getSnapshot(id)).toBeNull();
    expect(await connector.getSnapshot('006000000000ZZZAAA')).toBeNull();
    await expect(connector.getSnapshot('006/../x')).rejects.toBeInstanceOf(ValidationError);
  });

  it('sets stage and message in one PATCH, clears the message with null, leaves absent values alone', async () => {
    const { fake, connector } = await start();
    const id = seed(h as SalesforceHarness, 'R-1', 1);
    fake.resetCounters();
    await connector.writeStatus(id, { stage: 'Closed Lost', message: 'Expired in Partner Center' });
    expect(fake.record('Opportunity', id)).toMatchObject({
      StageName: 'Closed Lost',
      IsClosed: true,
      Referral_Sync_Message__c: 'Expired in Partner Center',
    });
    expect(fake.counters()).toMatchObject({ update: 1, total: 1 });

    await connector.writeStatus(id, { message: null });
    expect(fake.record('Opportunity', id)).toMatchObject({ StageName: 'Closed Lost', Referral_Sync_Message__c: null });
    await connector.writeStatus(id, {});
    expect(fake.counters()).toMatchObject({ update: 2, total: 2 });
    expect(fake.record('Opportunity', id)?.LastModifiedById).toBe(fake.integrationUserId);
  });

  it('rejects a stage that is not in the picklist as a validation error', async () => {
    const { connector } = await start();
    const id = seed(h as SalesforceHarness, 'R-1', 1);
    await expect(connector.writeStatus(id, { stage: 'Nonexistent' })).rejects.toBeInstanceOf(ValidationError);
  });

  it('tags every call with Sforce-Call-Options: client=referral-sync', async () => {
    const { fake, connector } = await start();
    const ids = Array.from({ length: 5 }, (_, i) => seed(h as SalesforceHarness, `R-${i}`, i));
    await connector.listChangedSince(null, 0);
    await connector.getSnapshot(ids[0] ?? '');
    await connector.writeStatus(ids[1] ?? '', { message: 'x' });
    const calls = fake.requests().filter((r) => r.route !== 'token');
    // query + pages, the team of those opportunities, the org's currency (read once); retrieve + its team; update.
    expect(calls.map((r) => r.route)).toEqual([
      'query',
      'queryMore',
      'queryMore',
      'query',
      'query',
      'retrieve',
      'query',
      'update',
    ]);
    expect(calls.every((r) => r.callOptions === 'client=referral-sync')).toBe(true);
  });
});

describe('salesforce opportunity team (extra team contacts)', () => {
  function addMember(
    harness: SalesforceHarness,
    oppId: string,
    first: string | null,
    last: string,
    email: string,
    stamp?: string,
  ): void {
    const userId = harness.fake.setRecord('User', { FirstName: first, LastName: last, Email: email });
    harness.fake.setRecord('OpportunityTeamMember', {
      OpportunityId: oppId,
      UserId: userId,
      TeamMemberRole: 'Sales Rep',
      ...(stamp ? { SystemModstamp: stamp } : {}),
    });
  }

  it('reads the team with every snapshot, in the order members were added', async () => {
    const { connector } = await start();
    const harness = h as SalesforceHarness;
    const a = seed(harness, 'R-1', 1);
    const b = seed(harness, 'R-2', 2);
    addMember(harness, a, 'Ana', 'Silva', 'ana@partner.example');
    addMember(harness, a, null, 'Okafor', 'okafor@partner.example');
    const out = await connector.listChangedSince(null, 0);
    expect(out.snapshots.find((s) => s.crmId === a)?.teamContacts).toEqual([
      { firstName: 'Ana', lastName: 'Silva', email: 'ana@partner.example' },
      { firstName: '', lastName: 'Okafor', email: 'okafor@partner.example' },
    ]);
    expect(out.snapshots.find((s) => s.crmId === b)?.teamContacts).toEqual([]);
    expect((await connector.getSnapshot(a))?.teamContacts).toHaveLength(2);
  });

  it('sees a team-only change (the opportunity itself untouched), and moves the cursor past it', async () => {
    const { connector } = await start();
    const harness = h as SalesforceHarness;
    const ids = Array.from({ length: 3 }, (_, i) => seed(harness, `R-${i}`, i));
    const first = await connector.listChangedSince(null, 0);
    const untouched = ids[0] ?? '';
    addMember(harness, untouched, 'Ana', 'Silva', 'ana@partner.example', at(50));

    const after = await connector.listChangedSince(first.cursor, 0);
    expect(after.snapshots.map((s) => s.crmId)).toContain(untouched);
    expect(after.snapshots.find((s) => s.crmId === untouched)?.teamContacts.map((c) => c.email)).toEqual([
      'ana@partner.example',
    ]);
    expect(after.cursor).toEqual({ modstamp: iso(50), id: untouched });

    // Once the cursor is past the team change, the team-only opportunity is not read again
    // (`>=` re-reads only the row at the cursor itself, as for opportunities).
    const other = ids[2] ?? '';
    harness.fake.setRecord('Opportunity', { Id: other, Amount: 7, SystemModstamp: at(100) });
    const later = await connector.listChangedSince(after.cursor, 0);
    expect(later.cursor).toEqual({ modstamp: iso(100), id: other });
    expect((await connector.listChangedSince(later.cursor, 0)).snapshots.map((s) => s.crmId)).toEqual([other]);
  });

  it('without Team Selling: warns once, reads empty teams, and outbound polling carries on', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write: (chunk: Buffer, _enc, cb) => {
        lines.push(chunk.toString());
        cb();
      },
    });
    const { connector } = await start({ fake: { teamSelling: false }, log: pino({ level: 'info' }, sink) });
    seed(h as SalesforceHarness, 'R-1', 1);
    const first = await connector.listChangedSince(null, 0);
    expect(first.snapshots.map((s) => s.teamContacts)).toEqual([[]]);
    (h as SalesforceHarness).fake.resetCounters();
    await connector.listChangedSince(first.cursor, 0);
    expect((h as SalesforceHarness).fake.counters()).toMatchObject({ query: 1 }); // the team is not asked for again
    expect(lines.filter((l) => l.includes('OpportunityTeamMember is not available'))).toHaveLength(1);
  });

  it('reads no team when the mapping turns it off', async () => {
    const { fake, connector } = await start({ connector: { outbound: { fields: { teamMembers: false }, rules: {} } } });
    seed(h as SalesforceHarness, 'R-1', 1);
    await connector.listChangedSince(null, 0);
    // The opportunities, then the org's currency (no currency field mapped, #15); no team query.
    expect(fake.requests().filter((r) => r.route === 'query')).toHaveLength(2);
  });
});

describe('salesforce outbound without configuration', () => {
  it('throws FatalError saying outbound is not configured', async () => {
    h = await startSalesforceHarness();
    await expect(h.connector.listChangedSince(null, 0)).rejects.toThrow(FatalError);
    await expect(h.connector.getSnapshot('006000000000001AAA')).rejects.toThrow(/outbound sync is not configured/);
    await expect(h.connector.writeStatus('006000000000001AAA', { message: null })).rejects.toThrow(/not configured/);
    expect(h.fake.counters().total).toBe(0);
  });
});
