import { afterEach, describe, expect, it } from 'vitest';
import { startSalesforceHarness, type SalesforceHarness } from '../../test/fakes/salesforce/salesforce-harness.ts';

/* readStamp: one opportunity by its referral key, whether or not outbound sync is configured (#12). */
let h: SalesforceHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('salesforce readStamp', () => {
  it('finds the opportunity by Referral_Id__c with its SystemModstamp, in one GET, without outbound settings', async () => {
    h = await startSalesforceHarness({});
    await h.connector.signIn();
    const id = h.fake.setRecord('Opportunity', {
      Name: 'Deal',
      StageName: 'Prospecting',
      CloseDate: '2030-06-30',
      Referral_Id__c: 'ref-7',
      SystemModstamp: '2030-01-01T00:00:05.000+0000',
    });
    h.fake.resetCounters();
    expect(await h.connector.readStamp('ref-7')).toEqual({ crmId: id, modstamp: '2030-01-01T00:00:05.000+0000' });
    expect(h.fake.requests().filter((r) => r.route !== 'token')).toHaveLength(1);
  });

  it('answers null for a referral with no opportunity, and for a deleted one', async () => {
    h = await startSalesforceHarness({});
    await h.connector.signIn();
    const id = h.fake.setRecord('Opportunity', {
      Name: 'Gone',
      StageName: 'Prospecting',
      CloseDate: '2030-06-30',
      Referral_Id__c: 'ref-8',
    });
    expect(await h.connector.readStamp('ref-unknown')).toBeNull();
    h.fake.deleteAsUser(id);
    expect(await h.connector.readStamp('ref-8')).toBeNull();
  });
});
