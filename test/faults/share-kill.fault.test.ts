import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakePartnerCenter } from '../fakes/partner-center/server.ts';
import { startFakeSalesforce } from '../fakes/salesforce/fake-salesforce.ts';
import { testKeys, TEST_CLIENT_ID, TEST_USERNAME } from '../fakes/salesforce/salesforce-harness.ts';
import { deleteKeys, PC_CLIENT, REDIS_URL } from '../integration/harness.ts';
import { startWorkerChild, stopChild, waitFor, type WorkerChildConfig } from './fault-kit.ts';

/*
 * Issue 16: a worker is SIGKILLed while its create is in flight. Partner Center made the
 * referral, the worker never heard back, and its share job stalls. The next worker picks the job
 * up, finds the attempt recorded before the POST, looks the referral up by externalReferenceId,
 * and links it: one referral, never two.
 */
let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => undefined);
  cleanup = [];
});

describe('fault: a worker killed in the middle of creating a referral', () => {
  it('the next worker links the referral the dead one created, and creates none', async () => {
    const prefix = `fault-share-${randomBytes(4).toString('hex')}`;
    const redis = new Redis(REDIS_URL);
    const pc = await startFakePartnerCenter(PC_CLIENT);
    const keys = testKeys();
    const sf = await startFakeSalesforce({
      jwt: { clientId: TEST_CLIENT_ID, username: TEST_USERNAME, publicKey: keys.publicKey },
    });
    cleanup.push(async () => {
      await deleteKeys(redis, prefix);
      await redis.quit();
      await pc.close();
      await sf.close();
    });
    const accountId = sf.setRecord('Account', { Name: 'Fabrikam Foods GmbH', BillingCountry: 'DE' });
    const contactId = sf.setRecord('Contact', {
      FirstName: 'Jonas',
      LastName: 'Keller',
      Email: 'jonas@fabrikam.example',
    });
    const oppId = sf.setRecord('Opportunity', {
      Name: 'Fabrikam data platform',
      StageName: 'Qualification',
      CloseDate: '2026-09-30',
      Amount: 120_000,
      AccountId: accountId,
      Referral_Contact__c: contactId,
      Partner_Center_Solutions__c: 'SOL-12345-FAB',
      Sync_With_Partner_Center__c: true,
      How_Can_Microsoft_Help__c: 'Proof of concept/demo',
    });
    // The first create is made, and its answer never comes: the worker waits on it when killed.
    pc.loseNextCreateAnswer('hang-after-create');
    const config: WorkerChildConfig = {
      redisUrl: REDIS_URL,
      prefix,
      concurrency: 10,
      pc: { url: pc.url, ...PC_CLIENT, metadata: pc.msalMetadata(pc.tenantId) },
      sf: { url: sf.url, clientId: TEST_CLIENT_ID, username: TEST_USERNAME, privateKey: keys.privateKey },
      schedule: { pullIntervalMs: 60_000, pollIntervalMs: 1_000 },
      outbound: true,
      share: true,
      failedSweepIntervalMs: 2_000,
    };
    const out: string[] = [];
    const first = startWorkerChild(config, out);
    cleanup.push(() => stopChild(first));
    await waitFor('the first create to reach Partner Center', () => pc.creates.length === 1, 60_000);
    await stopChild(first);

    const second = startWorkerChild(config, out);
    cleanup.push(() => stopChild(second));
    await waitFor(
      'the opportunity to be linked',
      () => Boolean(sf.record('Opportunity', oppId)?.Referral_Id__c),
      90_000,
    );

    expect(pc.creates).toHaveLength(1);
    const created = pc.all().filter((r) => r.externalReferenceId === oppId);
    expect(created).toHaveLength(1);
    expect(sf.record('Opportunity', oppId)?.Referral_Id__c).toBe(created[0]?.id);
    // Two worker processes start under tsx and a stalled job is recovered: slow on a loaded 2-core machine.
  }, 240_000);
});
