import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { makeReferrals } from '../fakes/partner-center/fixtures.ts';
import { startFakePartnerCenter } from '../fakes/partner-center/server.ts';
import { startFakeSalesforce } from '../fakes/salesforce/fake-salesforce.ts';
import { testKeys, TEST_CLIENT_ID, TEST_USERNAME } from '../fakes/salesforce/salesforce-harness.ts';
import { deleteKeys, PC_CLIENT, REDIS_URL } from '../integration/harness.ts';
import {
  appliedWriteBacks,
  expectNoSecrets,
  expectOneRecordEach,
  expectWrittenBackOnce,
  parkedOf,
  startWorkerChild,
  stopChild,
  waitFor,
  type WorkerChildConfig,
} from './fault-kit.ts';

/*
 * Issue 12, fault 1: three worker processes share one Redis while a first sync of 1,500
 * referrals runs and sellers accept 120 of them in the CRM; a random worker is SIGKILLed eight
 * times, 1.5–5 s apart, and a fresh one started each time. Before the job guard, jobs failed
 * for stalling ended in BullMQ's failed set, unparked, and referrals whose write-back was pending
 * never got their CRM id. The end state must be exact whatever the kills hit.
 */
const N = 1500;
const ACCEPTS = 120;
const KILLS = 8;
let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => undefined);
  cleanup = [];
});

/** A seeded sequence, so a failing run can be told apart from another by its kill pattern. */
function seeded(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1_103_515_245 + 12_345) % 2 ** 31;
    return x / 2 ** 31;
  };
}

describe('fault: workers killed with SIGKILL, repeatedly, three at a time', () => {
  it('ends with one opportunity per referral, each id written back once, each accept pushed once, nothing failed or parked', async () => {
    const prefix = `fault-kill-${randomBytes(4).toString('hex')}`;
    const redis = new Redis(REDIS_URL);
    const pc = await startFakePartnerCenter({ ...PC_CLIENT, latencyMs: 5 });
    const keys = testKeys();
    // Latency keeps collection calls and PATCHes in flight when a worker dies.
    const sf = await startFakeSalesforce({
      jwt: { clientId: TEST_CLIENT_ID, username: TEST_USERNAME, publicKey: keys.publicKey },
      latencyMs: 80,
    });
    const queues = ['sync', 'push-salesforce'].map((name) => new Queue(name, { connection: redis, prefix }));
    cleanup.push(async () => {
      for (const q of queues) await q.close();
      await deleteKeys(redis, prefix);
      await redis.quit();
      await pc.close();
      await sf.close();
    });
    const referrals = makeReferrals(N);
    pc.seed(referrals);
    const config: WorkerChildConfig = {
      redisUrl: REDIS_URL,
      prefix,
      concurrency: 300,
      pc: { url: pc.url, ...PC_CLIENT, metadata: pc.msalMetadata(pc.tenantId) },
      sf: { url: sf.url, clientId: TEST_CLIENT_ID, username: TEST_USERNAME, privateKey: keys.privateKey },
      schedule: { pullIntervalMs: 2_000, pollIntervalMs: 2_000 },
      outbound: true,
      failedSweepIntervalMs: 2_000,
    };
    const out: string[] = [];
    const workers = Array.from({ length: 3 }, () => startWorkerChild(config, out));
    cleanup.push(async () => {
      for (const w of workers) await stopChild(w);
    });

    // Sellers accept the first New referrals that have an opportunity, while the kills go on.
    // (Ones with a currency: an accept needs name, value, currency and close date.)
    const toAccept = referrals
      .filter((r) => r.status === 'New' && r.details?.currency)
      .slice(0, ACCEPTS)
      .map((r) => r.id);
    expect(toAccept).toHaveLength(ACCEPTS);
    const oppIdOf = (referralId: string) => sf.records('Opportunity').find((o) => o.Referral_Id__c === referralId)?.Id;
    const accepted = new Set<string>();
    const acceptSome = () => {
      for (const id of toAccept) {
        if (accepted.has(id)) continue;
        const oppId = oppIdOf(id);
        if (typeof oppId !== 'string') continue;
        sf.updateAsUser(oppId, { Referral_Decision__c: 'Accept', Amount: 50_000, CloseDate: '2027-06-30' });
        accepted.add(id);
      }
    };

    const random = seeded(12);
    await waitFor('the first opportunities', () => sf.records('Opportunity').length >= 100, 60_000, 20);
    for (let k = 0; k < KILLS; k++) {
      await new Promise((r) => setTimeout(r, 1_500 + random() * 3_500));
      acceptSome();
      const i = Math.floor(random() * workers.length);
      await stopChild(workers[i] as (typeof workers)[number]);
      workers[i] = startWorkerChild(config, out);
    }

    const open = referrals.filter((r) => r.status !== 'Closed');
    await waitFor('every opportunity', () => sf.records('Opportunity').length >= N, 120_000);
    acceptSome();
    const statusPushes = () =>
      pc.patches.filter((p) => p.outcome === 'applied' && JSON.stringify(p.ops).includes('"/status"'));
    const diagnose = async () => {
      const wb = appliedWriteBacks(pc);
      const notActive = toAccept.filter((id) => pc.get(id)?.status !== 'Active');
      const counts = await Promise.all(queues.map(async (q) => [q.name, await q.getJobCounts()] as const));
      const errors = out
        .join('')
        .split('\n')
        .filter((l) => /"level":(50|40)/.test(l))
        .slice(-15);
      return JSON.stringify(
        {
          writeBacks: wb.size,
          open: open.length,
          missing: open
            .filter((r) => !wb.has(r.id))
            .slice(0, 5)
            .map((r) => r.id),
          accepted: accepted.size,
          notActive: notActive.length,
          notActiveSample: notActive.slice(0, 3).map((id) => ({
            pc: pc.get(id)?.status,
            opp: sf.records('Opportunity').find((o) => o.Referral_Id__c === id),
          })),
          counts,
          parked: await parkedOf(REDIS_URL, prefix),
          errors,
        },
        null,
        1,
      );
    };
    await waitFor(
      'every write-back and accept',
      () => appliedWriteBacks(pc).size >= open.length && toAccept.every((id) => pc.get(id)?.status === 'Active'),
      120_000,
    ).catch(async (err: unknown) => {
      throw new Error(`${String(err)}\n${await diagnose()}`);
    });
    // Then the queues drain: nothing waiting, running, delayed, or left failed.
    const pending = async () => {
      let n = 0;
      for (const q of queues) {
        const c = await q.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'failed');
        n += (c.waiting ?? 0) + (c.active ?? 0) + (c.delayed ?? 0) + (c.prioritized ?? 0) + (c.failed ?? 0);
      }
      return n;
    };
    await waitFor('the queues to drain', async () => (await pending()) === 0, 60_000, 250);

    const opps = sf.records('Opportunity');
    expectOneRecordEach(
      opps,
      'Referral_Id__c',
      referrals.map((r) => r.id),
    );
    const oppOf = new Map(opps.map((o) => [String(o.Referral_Id__c), String(o.Id)]));
    expectWrittenBackOnce(pc, referrals, (id) => oppOf.get(id));
    // Each accept reached Partner Center exactly once.
    const pushesPer = new Map<string, number>();
    for (const p of statusPushes()) pushesPer.set(p.id, (pushesPer.get(p.id) ?? 0) + 1);
    expect(
      [...pushesPer].filter(([, n]) => n !== 1),
      'accepts pushed more than once',
    ).toEqual([]);
    expect([...pushesPer.keys()].sort()).toEqual([...toAccept].sort());
    expect(await parkedOf(REDIS_URL, prefix)).toEqual([]);
    const logged = out.join('');
    expectNoSecrets(logged, { pc, extra: sf.issuedAccessTokens() });
    const requeued = logged.split('job stalled (its worker died); queued again').length - 1;
    console.info(
      `[kill-workers] ${KILLS} SIGKILLs; stalled jobs re-queued by the guard: ${requeued}; PATCHes: ${pc.patches.length}`,
    );
  }, 400_000);
});
