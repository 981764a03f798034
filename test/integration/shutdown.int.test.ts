import { Queue } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import { makeReferrals } from '../fakes/partner-center/fixtures.ts';
import { startStack, type Stack } from './harness.ts';

/*
 * Graceful shutdown (what SIGTERM does in `start`): jobs in flight finish — their opportunities
 * are written and their state recorded — and nothing is left active for another worker to redo.
 */
let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('graceful shutdown', () => {
  it('lets the in-flight batch finish, then stops taking jobs; a new worker completes the rest without duplicates', async () => {
    stack = await startStack({ salesforceLatencyMs: 400, runtime: { concurrency: 50 } });
    const s = stack;
    const referrals = makeReferrals(300);
    s.pc.seed(referrals);
    await s.rt.runPull();
    // Wait until a Salesforce write is on the wire, then shut down in the middle of it.
    while (!s.sf.fake.requests().some((r) => r.method !== 'GET' && r.route !== 'token')) await sleep(20);
    await s.rt.close(30_000);

    const queue = new Queue('sync', { connection: s.redis, prefix: s.prefix });
    const counts = await queue.getJobCounts('active', 'completed', 'waiting');
    await queue.close();
    expect(counts.active).toBe(0); // nothing half-done left for the stalled-job check
    expect(counts.completed).toBeGreaterThan(0); // the batch in flight finished
    expect(counts.waiting).toBeGreaterThan(0); // the rest was not taken
    const done = s.sf.fake.records('Opportunity').length;
    expect(done).toBe(counts.completed);

    const next = await s.restart();
    await next.runPull();
    while (s.sf.fake.records('Opportunity').length < referrals.length) await sleep(100);
    const ids = s.sf.fake.records('Opportunity').map((o) => o.Referral_Id__c);
    expect(new Set(ids).size).toBe(referrals.length);
    expect(ids).toHaveLength(referrals.length);
  });
});
