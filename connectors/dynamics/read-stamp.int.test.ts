import { afterEach, describe, expect, it } from 'vitest';
import { startDataverseHarness, type DataverseHarness } from '../../test/fakes/dataverse/dataverse-harness.ts';

/* readStamp: one opportunity by its alternate key (new_referralid), with modifiedon (#12). */
let h: DataverseHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('dynamics readStamp', () => {
  it('finds the row by its alternate key with modifiedon, and answers null when there is none', async () => {
    h = await startDataverseHarness({});
    const [r] = await h.connector.upsertOpportunities([
      { referralId: "R-o'1", fields: { name: 'Deal', estimatedvalue: 5 }, account: null },
    ]);
    const crmId = r?.ok ? r.crmId : '';
    const got = await h.connector.readStamp("R-o'1");
    expect(got?.crmId).toBe(crmId.toLowerCase());
    expect(Number.isNaN(Date.parse(got?.modstamp ?? ''))).toBe(false);
    expect(await h.connector.readStamp('R-none')).toBeNull();
  });
});
