import { afterEach, describe, expect, it } from 'vitest';
import { NotFoundError, ValidationError } from '../../src/errors.ts';
import type { OpportunityDraft } from '../../src/ports/crm.ts';
import { startDataverseHarness, type DataverseHarness } from '../../test/fakes/dataverse/dataverse-harness.ts';
import { CURRENCIES } from '../../test/fakes/dataverse/store.ts';

const ACCEPT = 100000000;
const DECLINE = 100000001;
const EUR = String(CURRENCIES[0]?.transactioncurrencyid);
const draft = (id: string): OpportunityDraft => ({
  referralId: id,
  fields: {
    name: `Deal ${id}`,
    estimatedvalue: 5000,
    estimatedclosedate: '2030-01-31',
    'transactioncurrencyid@odata.bind': `/transactioncurrencies(${EUR})`,
  },
  account: null,
});

let h: DataverseHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function harnessWith(n: number): Promise<{ h: DataverseHarness; ids: Map<string, string> }> {
  h = await startDataverseHarness({
    fake: { choices: { new_referraldeclinereason: { '3': 'Competitor' } } },
    connector: {
      pageSize: 10,
      outbound: {
        fields: { decisionChoices: { [String(ACCEPT)]: 'Accept', [String(DECLINE)]: 'Decline' } },
        rules: {},
      },
    },
  });
  const results = await h.connector.upsertOpportunities(
    Array.from({ length: n }, (_, i) => draft(`R-${String(i).padStart(2, '0')}`)),
  );
  const ids = new Map(results.flatMap((r) => (r.ok ? [[r.referralId, r.crmId] as const] : [])));
  return { h, ids };
}

describe('dynamics listChangedSince', () => {
  it('pages through everything with a key, maps choice decisions, and returns a compound cursor', async () => {
    const { h, ids } = await harnessWith(35);
    h.fake.seed('opportunities', { name: 'Not from a referral' });
    h.fake.updateAsUser(String(ids.get('R-03')), { new_referraldecision: ACCEPT });
    h.fake.updateAsUser(String(ids.get('R-04')), { new_referraldecision: DECLINE, new_referraldeclinereason: 3 });
    h.fake.resetCounters();

    const first = await h.connector.listChangedSince(null, 0);
    expect(h.fake.counters.query).toBe(5); // 35 rows, 10 per page; then their Sales Teams in one query
    expect(first.invalid).toEqual([]);
    expect(first.snapshots).toHaveLength(35);
    const last = first.snapshots.at(-1);
    expect(first.cursor).toEqual({ modstamp: last?.modstamp, id: last?.crmId });
    expect(first.snapshots.slice(-2).map((s) => [s.referralId, s.decision, s.declineReason])).toEqual([
      ['R-03', 'accept', null],
      ['R-04', 'decline', 'Competitor'],
    ]);
    expect(first.snapshots[0]).toMatchObject({
      isClosed: false,
      isWon: false,
      currency: 'EUR',
      dealValue: 5000,
      closeDate: '2030-01-31',
      name: 'Deal R-00',
    });

    // Nothing new: only the last row (modifiedon ge cursor) comes back, and the cursor holds.
    const idle = await h.connector.listChangedSince(first.cursor, 0);
    expect(idle.snapshots.map((s) => s.referralId)).toEqual(['R-04']);
    expect(idle.cursor).toEqual(first.cursor);

    // A seller closes one as Won: it comes back once, after the cursor, as Won.
    await h.connector.closeOpportunity(String(ids.get('R-10')), 'won', { subject: 'Signed' });
    const next = await h.connector.listChangedSince(first.cursor, 0);
    expect(next.snapshots.map((s) => [s.referralId, s.isClosed, s.isWon])).toEqual([
      ['R-04', false, false],
      ['R-10', true, true],
    ]);
    expect(next.cursor?.id).toBe(ids.get('R-10'));
  });

  it('re-reads the overlap window before the cursor', async () => {
    const { h } = await harnessWith(12);
    const all = await h.connector.listChangedSince(null, 0);
    const cursor = all.cursor;
    if (!cursor) throw new Error('no cursor');
    const fifth = all.snapshots[4];
    const overlapMs = Date.parse(cursor.modstamp) - Date.parse(String(fifth?.modstamp));
    const again = await h.connector.listChangedSince(cursor, overlapMs);
    expect(again.snapshots.map((s) => s.referralId)).toEqual(all.snapshots.slice(4).map((s) => s.referralId));
    expect(again.cursor).toEqual(cursor);
  });

  it('keeps the newest version of a row edited while pages are read', async () => {
    const { h, ids } = await harnessWith(30);
    let edited = false;
    h.fake.onRequest((route) => {
      // Before page 2 is served, a seller accepts R-01, which page 1 already returned.
      if (route === 'query' && !edited && h.fake.counters.query === 2) {
        edited = true;
        h.fake.updateAsUser(String(ids.get('R-01')), { new_referraldecision: ACCEPT });
      }
    });
    const out = await h.connector.listChangedSince(null, 0);
    h.fake.onRequest(undefined);
    expect(edited).toBe(true);
    expect(out.snapshots).toHaveLength(30);
    expect(out.snapshots.at(-1)).toMatchObject({ referralId: 'R-01', decision: 'accept' });
    expect(out.cursor?.id).toBe(ids.get('R-01'));
    expect(new Set(out.snapshots.map((s) => s.crmId)).size).toBe(30);
  });

  it('reports rows that cannot be read as snapshots in `invalid`, and still moves the cursor', async () => {
    const { h, ids } = await harnessWith(3);
    h.fake.updateAsUser(String(ids.get('R-01')), { estimatedvalue: 'lots' });
    h.fake.updateAsUser(String(ids.get('R-02')), { statecode: null });
    const out = await h.connector.listChangedSince(null, 0);
    expect(out.snapshots.map((s) => s.referralId)).toEqual(['R-00', 'R-01']);
    expect(out.snapshots[1]?.dealValue).toBeNull();
    expect(out.invalid).toEqual([{ crmId: ids.get('R-02'), error: expect.stringContaining('isClosed') }]);
    expect(out.cursor?.id).toBe(ids.get('R-02'));
  });
});

describe('dynamics Sales Team (extra team contacts)', () => {
  /** A seller added to the opportunity's Sales Team subgrid: a connection from it to the user. */
  function addToSalesTeam(
    harness: DataverseHarness,
    oppId: string,
    user: { firstname: string | null; lastname: string; internalemailaddress: string | null },
  ): void {
    const u = harness.fake.seed('systemusers', {
      ...user,
      fullname: `${user.firstname ?? ''} ${user.lastname}`.trim(),
    });
    const userId = String(u.systemuserid);
    const link = (
      from: string,
      fromType: number,
      fromLogical: string,
      to: string,
      toType: number,
      toLogical: string,
    ) => ({
      _record1id_value: from,
      '_record1id_value@Microsoft.Dynamics.CRM.lookuplogicalname': fromLogical,
      record1objecttypecode: fromType,
      _record2id_value: to,
      '_record2id_value@Microsoft.Dynamics.CRM.lookuplogicalname': toLogical,
      record2objecttypecode: toType,
    });
    harness.fake.seed('connections', link(oppId, 3, 'opportunity', userId, 8, 'systemuser'));
    harness.fake.seed('connections', link(userId, 8, 'systemuser', oppId, 3, 'opportunity')); // the reciprocal record
  }

  it('reads the team of every snapshot from user connections, each member once, contacts left out', async () => {
    const { h, ids } = await harnessWith(3);
    const opp = String(ids.get('R-01'));
    addToSalesTeam(h, opp, { firstname: 'Ana', lastname: 'Silva', internalemailaddress: 'ana@partner.example' });
    addToSalesTeam(h, opp, { firstname: null, lastname: 'Okafor', internalemailaddress: 'okafor@partner.example' });
    addToSalesTeam(h, opp, { firstname: 'No', lastname: 'Mail', internalemailaddress: null });
    // A stakeholder (a connection to a contact, object type code 2) is not a team member.
    h.fake.seed('connections', {
      _record1id_value: opp,
      record1objecttypecode: 3,
      _record2id_value: '0c000000-0000-4000-8000-0000000000c1',
      '_record2id_value@Microsoft.Dynamics.CRM.lookuplogicalname': 'contact',
      record2objecttypecode: 2,
    });

    const out = await h.connector.listChangedSince(null, 0);
    expect(out.snapshots.find((s) => s.crmId === opp)?.teamContacts).toEqual([
      { firstName: 'Ana', lastName: 'Silva', email: 'ana@partner.example' },
      { firstName: '', lastName: 'Okafor', email: 'okafor@partner.example' },
    ]);
    expect(out.snapshots.find((s) => s.referralId === 'R-00')?.teamContacts).toEqual([]);
    expect((await h.connector.getSnapshot(opp))?.teamContacts).toHaveLength(2);
  });

  it('sees a team-only change (the opportunity untouched) and moves the cursor past it', async () => {
    const { h, ids } = await harnessWith(3);
    const first = await h.connector.listChangedSince(null, 0);
    const untouched = String(ids.get('R-00'));
    addToSalesTeam(h, untouched, { firstname: 'Ana', lastname: 'Silva', internalemailaddress: 'ana@partner.example' });

    const after = await h.connector.listChangedSince(first.cursor, 0);
    expect(after.snapshots.find((s) => s.crmId === untouched)?.teamContacts.map((c) => c.email)).toEqual([
      'ana@partner.example',
    ]);
    expect(Date.parse(after.cursor?.modstamp ?? '')).toBeGreaterThan(Date.parse(first.cursor?.modstamp ?? ''));
    expect(after.cursor?.id).toBe(untouched);

    // Past the team change, a later edit elsewhere does not bring the untouched one back.
    const other = String(ids.get('R-02'));
    h.fake.updateAsUser(other, { description: 'later' });
    const later = await h.connector.listChangedSince(after.cursor, 0);
    const again = await h.connector.listChangedSince(later.cursor, 0);
    expect(again.snapshots.map((s) => s.crmId)).toEqual([other]);
  });

  it('reads no team when the mapping turns it off', async () => {
    h = await startDataverseHarness({
      connector: { pageSize: 10, outbound: { fields: { teamMembers: false }, rules: {} } },
    });
    await h.connector.upsertOpportunities([draft('R-1')]);
    h.fake.resetCounters();
    const out = await h.connector.listChangedSince(null, 0);
    expect(out.snapshots).toHaveLength(1);
    expect(h.fake.counters.query).toBe(1);
  });
});

describe('dynamics getSnapshot and writeStatus', () => {
  it('reads one opportunity, and null when it is gone', async () => {
    const { h, ids } = await harnessWith(1);
    expect(await h.connector.getSnapshot(String(ids.get('R-00')))).toMatchObject({
      referralId: 'R-00',
      currency: 'EUR',
    });
    expect(await h.connector.getSnapshot('00000000-0000-4000-8000-000000000000')).toBeNull();
    await expect(h.connector.getSnapshot('nope')).rejects.toBeInstanceOf(ValidationError);
  });

  it('writes the sync message, skips a stage without a stage column, and never re-creates a deleted row', async () => {
    const { h, ids } = await harnessWith(1);
    const id = String(ids.get('R-00'));
    await h.connector.writeStatus(id, { message: 'Won is held until 72 h after creation', stage: 'Closed Lost' });
    expect(h.fake.records('opportunities')[0]?.new_referralsyncmessage).toBe('Won is held until 72 h after creation');
    expect(h.fake.records('opportunities')[0]?.stepname).toBeUndefined();
    await h.connector.writeStatus(id, { message: null });
    expect(h.fake.records('opportunities')[0]?.new_referralsyncmessage).toBeNull();
    await expect(
      h.connector.writeStatus('00000000-0000-4000-8000-000000000000', { message: 'x' }),
    ).rejects.toBeInstanceOf(NotFoundError);
    expect(h.fake.records('opportunities')).toHaveLength(1);
  });

  it('writes the stage to a configured column', async () => {
    const { h: first } = await harnessWith(1);
    const connector = first.another({ stageColumns: { write: 'new_referralstage' } });
    const [row] = first.fake.records('opportunities');
    await connector.writeStatus(String(row?.opportunityid), { stage: 'Closed Lost' });
    expect(first.fake.records('opportunities')[0]?.new_referralstage).toBe('Closed Lost');
  });

  it('does not fail on a closed (read-only) opportunity', async () => {
    const { h, ids } = await harnessWith(1);
    const id = String(ids.get('R-00'));
    await h.connector.closeOpportunity(id, 'lost', { subject: 'Lost to a competitor' });
    await expect(h.connector.writeStatus(id, { message: 'too late' })).resolves.toBeUndefined();
    expect(h.fake.records('opportunities')[0]?.new_referralsyncmessage).toBeUndefined();
  });
});

describe('dynamics closeOpportunity', () => {
  it('wins and loses through the actions, creating opportunityclose records', async () => {
    const { h, ids } = await harnessWith(2);
    h.fake.resetCounters();
    await h.connector.closeOpportunity(String(ids.get('R-00')), 'won', {
      subject: 'Signed',
      description: 'Three-year deal',
    });
    await h.connector.closeOpportunity(String(ids.get('R-01')), 'lost', { subject: 'Lost', status: 5 });
    expect(h.fake.counters).toMatchObject({ action: 2, upsert: 0 });
    const byRef = new Map(h.fake.records('opportunities').map((o) => [o.new_referralid, o]));
    expect(byRef.get('R-00')).toMatchObject({ statecode: 1, statuscode: 3 });
    expect(byRef.get('R-01')).toMatchObject({ statecode: 2, statuscode: 5 });
    const closes = h.fake.records('opportunitycloses');
    expect(closes.map((c) => [c._opportunityid_value, c.subject])).toEqual([
      [ids.get('R-00'), 'Signed'],
      [ids.get('R-01'), 'Lost'],
    ]);
    expect(closes[0]?.description).toBe('Three-year deal');
  });

  it('refuses a wrong status and a second close', async () => {
    const { h, ids } = await harnessWith(1);
    const id = String(ids.get('R-00'));
    await expect(h.connector.closeOpportunity(id, 'won', { subject: 'x', status: 4 })).rejects.toBeInstanceOf(
      ValidationError,
    );
    await h.connector.closeOpportunity(id, 'won', { subject: 'Signed' });
    await expect(h.connector.closeOpportunity(id, 'lost', { subject: 'x' })).rejects.toBeInstanceOf(ValidationError);
    expect(h.fake.records('opportunitycloses')).toHaveLength(1);
  });
});
