import { expect } from 'vitest';
import { FatalError, RetryableError } from '../../src/errors.ts';
import { CONTOSO, contractReferral, FABRIKAM } from './contract-referrals.ts';
import { asUpdate, byReferral, draftsOf, okIds, synced, type ContractTest } from './crm-harness.ts';

/** A validation rule's message, as the CRM would send it back for a rejected record. */
const REJECTION = 'Close date must be within 24 months (validation rule Close_Date_Window)';

/** Inbound sync: upserts by referral id, accounts, and how failures are reported. */
export function upsertCases(test: ContractTest): void {
  test('creates-new', 'creates one record per new draft and returns the ids in input order', async (h) => {
    const ds = draftsOf(h, [1, CONTOSO], [2, FABRIKAM], [3, CONTOSO]);
    const results = await h.connector.upsertOpportunities(ds);
    expect(results.map((r) => [r.referralId, r.ok, r.ok && r.created])).toEqual(
      ds.map((d) => [d.referralId, true, true]),
    );
    const ids = okIds(results);
    expect(new Set(ids).size).toBe(3);
    const stored = byReferral(h);
    expect(stored.size).toBe(3);
    ds.forEach((d, i) =>
      expect(stored.get(d.referralId)).toMatchObject({
        crmId: ids[i],
        name: `Contract deal ${i + 1}`,
        amount: (i + 1) * 1000,
      }),
    );
  });

  test('upsert-idempotent', 'upserting the same drafts again finds the same records and creates nothing', async (h) => {
    const first = await synced(h, [1, CONTOSO], [2, FABRIKAM]);
    const before = { opportunities: h.opportunities().length, accounts: h.accountCount() };
    const again = await h.connector.upsertOpportunities(first.drafts);
    expect(again.map((r) => r.ok && [r.crmId, r.created])).toEqual(first.ids.map((id) => [id, false]));
    expect({ opportunities: h.opportunities().length, accounts: h.accountCount() }).toEqual(before);
    // A single draft takes each connector's one-record path: same answer.
    const [solo] = await h.connector.upsertOpportunities(first.drafts.slice(1));
    expect(solo).toMatchObject({ ok: true, crmId: first.ids[1], created: false });
  });

  test('reuses-account', 'attaches drafts for the same customer to one account, also across calls', async (h) => {
    await synced(h, [1, CONTOSO], [2, CONTOSO], [3, FABRIKAM]);
    expect(h.accountCount()).toBe(2);
    await synced(h, [4, CONTOSO]);
    const stored = byReferral(h);
    const accountOf = (n: number): string | null | undefined => stored.get(contractReferral(n, CONTOSO).id)?.accountId;
    expect(accountOf(1)).toEqual(expect.any(String));
    expect([accountOf(2), accountOf(4)]).toEqual([accountOf(1), accountOf(1)]);
    expect(accountOf(3)).not.toBe(accountOf(1));
    expect(h.accountCount()).toBe(2);
  });

  test(
    'closed-stays-closed',
    'a referral update for an opportunity the seller closed keeps it closed and creates nothing (#17)',
    async (h) => {
      const { drafts: ds, ids } = await synced(h, [1, CONTOSO], [2, FABRIKAM]);
      const [won = '', lost = ''] = ids;
      await h.sellerEdits(won, { closeWon: true });
      await h.sellerEdits(lost, { closeLost: true });
      // Partner Center changed the referral (e.g. its notes): the sync sends the update.
      const results = await h.connector.upsertOpportunities(ds.map(asUpdate));
      expect(results.map((r) => r.ok && [r.crmId, r.created])).toEqual([
        [won, false],
        [lost, false],
      ]);
      expect(h.opportunities()).toHaveLength(2);
      expect(await h.connector.getSnapshot(won)).toMatchObject({ isClosed: true, isWon: true });
      expect(await h.connector.getSnapshot(lost)).toMatchObject({ isClosed: true, isWon: false });
    },
  );

  test('session-renewed', 'an expired session is renewed without failing the call', async (h) => {
    const { drafts: ds, ids } = await synced(h, [1, CONTOSO]);
    h.expireSession();
    expect(okIds(await h.connector.upsertOpportunities([...ds, ...draftsOf(h, [2, FABRIKAM])]))[0]).toBe(ids[0]);
    h.expireSession();
    expect((await h.connector.listChangedSince(null, 0)).snapshots).toHaveLength(2);
  });

  for (const status of [503, 500] as const) {
    test(
      'whole-call-5xx',
      `a ${status} on the opportunity write throws RetryableError, writes none, and a retry creates them`,
      async (h) => {
        await synced(h, [1, CONTOSO]);
        // The customer's account exists, so the first write of this call is the opportunities'.
        const ds = draftsOf(h, [2, CONTOSO], [3, CONTOSO]);
        h.failNextWrite(status);
        await expect(h.connector.upsertOpportunities(ds)).rejects.toBeInstanceOf(RetryableError);
        expect(h.opportunities()).toHaveLength(1);
        const retried = await h.connector.upsertOpportunities(ds);
        expect(retried.map((r) => r.ok && r.created)).toEqual([true, true]);
      },
    );

    test(
      'whole-call-5xx',
      `a ${status} on the account write (new customers) throws RetryableError, and a retry creates each account once`,
      async (h) => {
        const ds = draftsOf(h, [1, CONTOSO], [2, FABRIKAM]);
        h.failNextWrite(status);
        await expect(h.connector.upsertOpportunities(ds)).rejects.toBeInstanceOf(RetryableError);
        expect(h.opportunities()).toEqual([]);
        const retried = await h.connector.upsertOpportunities(ds);
        expect(retried.map((r) => r.ok && r.created)).toEqual([true, true]);
        expect(h.accountCount()).toBe(2);
      },
    );
  }

  test(
    'one-invalid-record',
    'a record the CRM rejects fails alone, with the CRM message, and the rest are written',
    async (h) => {
      const ds = draftsOf(h, [1, CONTOSO], [2, FABRIKAM], [3, CONTOSO]);
      const [a, rejected, c] = ds.map((d) => d.referralId);
      h.rejectNextWriteOf(rejected ?? '', REJECTION);
      const results = await h.connector.upsertOpportunities(ds);
      expect(results.map((r) => [r.referralId, r.ok])).toEqual([
        [a, true],
        [rejected, false],
        [c, true],
      ]);
      const failed = results[1];
      if (failed?.ok !== false) throw new Error('expected a failed result');
      // Fatal: parked for a human, not retried (a validation rule does not change by itself).
      expect(failed.error).toBeInstanceOf(FatalError);
      expect(failed.error.message).toContain(REJECTION);
      expect([...byReferral(h).keys()].sort()).toEqual([a, c].sort());
    },
  );

  test('one-invalid-record', 'a single draft the CRM rejects comes back as a failed result, not a throw', async (h) => {
    const ds = draftsOf(h, [1, CONTOSO]);
    h.rejectNextWriteOf(ds[0]?.referralId ?? '', REJECTION);
    const [result] = await h.connector.upsertOpportunities(ds);
    expect(result).toMatchObject({ referralId: ds[0]?.referralId, ok: false });
    if (result?.ok !== false) throw new Error('expected a failed result');
    expect(result.error).toBeInstanceOf(FatalError);
    expect(result.error.message).toContain(REJECTION);
    expect(h.opportunities()).toEqual([]);
  });
}
