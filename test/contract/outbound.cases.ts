import { expect } from 'vitest';
import type { ChangeCursor, ExpiryWarning } from '../../src/ports/crm.ts';
import { CONTOSO, FABRIKAM } from './contract-referrals.ts';
import { synced, type ContractTest } from './crm-harness.ts';

/** Overlap passed to listChangedSince, of the order of the sync's own window. */
const OVERLAP_MS = 60_000;

/** Negative when `a` is before `b`, as (modstamp, id) pairs. */
function compareCursors(a: ChangeCursor, b: ChangeCursor): number {
  const am = Date.parse(a.modstamp);
  const bm = Date.parse(b.modstamp);
  return am - bm || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** Outbound sync (snapshots, cursor, status writes) and expiry warnings. */
export function outboundCases(test: ContractTest): void {
  test(
    'lists-all',
    'listChangedSince(null) returns a snapshot of every synced opportunity and nothing else',
    async (h) => {
      const { drafts: ds, ids } = await synced(h, [1, CONTOSO], [2, FABRIKAM], [3, CONTOSO]);
      h.sellerCreates('Renewal the seller found on their own');
      const out = await h.connector.listChangedSince(null, 0);
      expect(out.invalid).toEqual([]);
      const snaps = new Map(out.snapshots.map((s) => [s.referralId, s]));
      expect([...snaps.keys()].sort()).toEqual(ds.map((d) => d.referralId).sort());
      ds.forEach((d, i) =>
        expect(snaps.get(d.referralId)).toMatchObject({
          crmId: ids[i],
          name: `Contract deal ${i + 1}`,
          dealValue: (i + 1) * 1000,
          closeDate: '2030-06-30',
          notes: `Needs ${i + 1} seats`,
          decision: null,
          declineReason: null,
          isClosed: false,
          isWon: false,
        }),
      );
      expect(out.cursor).not.toBeNull();
    },
  );

  test(
    'seller-edit-since-cursor',
    'a seller edit comes back after the cursor with the new value and a normalised decision; the cursor never moves back',
    async (h) => {
      const { ids } = await synced(h, [1, CONTOSO], [2, FABRIKAM], [3, CONTOSO]);
      const [, accepted = '', declined = ''] = ids;
      const first = await h.connector.listChangedSince(null, 0);
      if (!first.cursor) throw new Error('no cursor after the first poll');
      // Nothing changed: the overlap re-reads older rows, but the cursor stays where it was.
      const idle = await h.connector.listChangedSince(first.cursor, OVERLAP_MS);
      expect(idle.cursor && compareCursors(idle.cursor, first.cursor)).toBe(0);

      await h.sellerEdits(accepted, { decision: 'accept', amount: 4242 });
      const next = await h.connector.listChangedSince(first.cursor, OVERLAP_MS);
      expect(next.snapshots.find((s) => s.crmId === accepted)).toMatchObject({ decision: 'accept', dealValue: 4242 });
      if (!next.cursor) throw new Error('no cursor after the edit');
      expect(compareCursors(next.cursor, first.cursor)).toBeGreaterThan(0);
      expect(next.cursor.id).toBe(accepted);

      await h.sellerEdits(declined, { decision: 'decline', declineReason: 'Competitor' });
      const after = await h.connector.listChangedSince(next.cursor, OVERLAP_MS);
      expect(after.snapshots.find((s) => s.crmId === declined)).toMatchObject({
        decision: 'decline',
        declineReason: 'Competitor',
      });
      if (!after.cursor) throw new Error('no cursor after the decline');
      expect(compareCursors(after.cursor, next.cursor)).toBeGreaterThan(0);
      const replay = await h.connector.listChangedSince(after.cursor, OVERLAP_MS);
      expect(replay.cursor && compareCursors(replay.cursor, after.cursor)).toBe(0);
    },
  );

  test('won-lost', 'a won close reads as closed and won, a lost one as closed and not won', async (h) => {
    const { ids } = await synced(h, [1, CONTOSO], [2, FABRIKAM], [3, CONTOSO]);
    const [won = '', lost = '', open = ''] = ids;
    await h.sellerEdits(won, { closeWon: true });
    await h.sellerEdits(lost, { closeLost: true });
    const out = await h.connector.listChangedSince(null, 0);
    const state = (id: string) => out.snapshots.find((s) => s.crmId === id) ?? null;
    expect(state(won)).toMatchObject({ isClosed: true, isWon: true });
    expect(state(lost)).toMatchObject({ isClosed: true, isWon: false });
    expect(state(open)).toMatchObject({ isClosed: false, isWon: false });
    expect(await h.connector.getSnapshot(won)).toMatchObject({ isClosed: true, isWon: true });
  });

  test(
    'team-member-added',
    'a user added to the opportunity team (the opportunity itself untouched) comes back after the cursor with the team',
    async (h) => {
      const { ids } = await synced(h, [1, CONTOSO], [2, FABRIKAM]);
      const [teamed = '', other = ''] = ids;
      const first = await h.connector.listChangedSince(null, 0);
      if (!first.cursor) throw new Error('no cursor after the first poll');
      expect(first.snapshots.every((s) => s.teamContacts.length === 0)).toBe(true);

      await h.sellerEdits(teamed, {
        addTeamMember: { firstName: 'Ana', lastName: 'Silva', email: 'ana.silva@partner.example' },
      });
      const next = await h.connector.listChangedSince(first.cursor, OVERLAP_MS);
      expect(next.snapshots.find((s) => s.crmId === teamed)?.teamContacts).toEqual([
        { firstName: 'Ana', lastName: 'Silva', email: 'ana.silva@partner.example' },
      ]);
      expect(next.snapshots.find((s) => s.crmId === other)?.teamContacts ?? []).toEqual([]);
      if (!next.cursor) throw new Error('no cursor after the team change');
      expect(compareCursors(next.cursor, first.cursor)).toBeGreaterThan(0);
      expect((await h.connector.getSnapshot(teamed))?.teamContacts.map((c) => c.email)).toEqual([
        'ana.silva@partner.example',
      ]);
    },
  );

  test('status-message', 'writeStatus({ message }) shows on the record and null clears it', async (h) => {
    const { ids } = await synced(h, [1, CONTOSO]);
    const id = ids[0] ?? '';
    const message = 'Decline needs a reason: set "Decline reason" and save again';
    await h.connector.writeStatus(id, { message });
    expect(h.opportunities()[0]?.message).toBe(message);
    await h.connector.writeStatus(id, { message: null });
    expect(h.opportunities()[0]?.message).toBeNull();
  });

  test(
    'status-on-closed',
    'writeStatus on an opportunity the seller closed does not fail (the sync must not retry it forever)',
    async (h) => {
      const { ids } = await synced(h, [1, CONTOSO], [2, FABRIKAM]);
      const [won = '', lost = ''] = ids;
      await h.sellerEdits(won, { closeWon: true });
      await h.sellerEdits(lost, { closeLost: true });
      await expect(
        h.connector.writeStatus(won, { message: 'Won is held until 72 h after the referral was created' }),
      ).resolves.toBeUndefined();
      await expect(h.connector.writeStatus(lost, { message: null })).resolves.toBeUndefined();
    },
  );

  test(
    'message-on-won',
    'the seller sees the sync message on an opportunity they closed as Won (a held Won explains itself)',
    async (h) => {
      const { ids } = await synced(h, [1, CONTOSO]);
      const won = ids[0] ?? '';
      await h.sellerEdits(won, { closeWon: true });
      // push-outcome.ts writes this when a Won inside the 72 h deal-registration window is held.
      const message =
        'Won is held until 2030-01-04T09:00:00.000Z: Partner Center needs 72 h between the referral and Won';
      await h.connector.writeStatus(won, { message });
      expect(h.opportunities()[0]?.message).toBe(message);
    },
  );

  test('get-snapshot', 'getSnapshot reads what listChangedSince reads, and null for an unknown id', async (h) => {
    const { ids } = await synced(h, [1, CONTOSO], [2, FABRIKAM]);
    const listed = await h.connector.listChangedSince(null, 0);
    for (const id of ids)
      expect(await h.connector.getSnapshot(id)).toEqual(listed.snapshots.find((s) => s.crmId === id));
    expect(await h.connector.getSnapshot(h.unknownCrmId)).toBeNull();
  });

  test(
    'expiry-once-per-level',
    'an expiry warning applied twice makes one task and sets the level; the next level adds one',
    async (h) => {
      const { drafts: ds, ids } = await synced(h, [1, CONTOSO], [2, FABRIKAM]);
      const crmId = ids[0] ?? '';
      const deadline = new Date('2030-03-02T17:00:00Z');
      const warning = (level: string): ExpiryWarning => ({
        referralId: ds[0]?.referralId ?? '',
        crmId,
        level,
        deadline,
        taskSubject: `Respond to referral "Contract deal 1" (${level} left)`,
        taskDescription: 'Accept or decline in the opportunity.',
      });
      await h.connector.applyExpiryWarning(warning('24h'));
      // A retry after a partial failure, or a second scan: still one task.
      await h.connector.applyExpiryWarning(warning('24h'));
      expect(h.tasksFor(crmId)).toEqual([{ subject: 'Respond to referral "Contract deal 1" (24h left)' }]);
      const opp = h.opportunities().find((o) => o.crmId === crmId);
      expect(opp?.expiryLevel).toBe('24h');
      expect(Date.parse(opp?.expiresAt ?? '')).toBe(deadline.getTime());

      await h.connector.applyExpiryWarning(warning('4h'));
      expect(h.tasksFor(crmId)).toHaveLength(2);
      expect(h.opportunities().find((o) => o.crmId === crmId)?.expiryLevel).toBe('4h');
      expect(h.tasksFor(ids[1] ?? '')).toEqual([]);
    },
  );
}
