import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import type { Runtime } from '../../jobs/runtime.ts';
import type { Referral } from '../../src/domain/referral.ts';
import { makeReferral } from '../fakes/partner-center/fixtures.ts';
import type { PatchRecord } from '../fakes/partner-center/server.ts';
import { idle, startStack, type Stack } from '../integration/harness.ts';
import { startPrivateRedis, syncUntilQuiet, waitFor, type PrivateRedis } from './fault-kit.ts';

/*
 * Redis comes back empty (issue 20, item 2): the echo guard's memory, the poll cursor and the
 * sync state are gone. The next poll re-reads every opportunity, each still holding values we
 * wrote before Microsoft edited the referral. Only the sellers' genuine actions may reach Partner
 * Center; Microsoft's 100 edits must survive there and reach the CRM. A private redis-server is
 * emptied and restarted; the shared one is never touched.
 */
const hasRedisServer = spawnSync('redis-server', ['--version']).status === 0;
let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => undefined);
  cleanup = [];
});

const msNote = (id: string) => `Microsoft edit for ${id}`;
const applied = (s: Stack, from = 0): PatchRecord[] => s.pc.patches.slice(from).filter((p) => p.outcome === 'applied');
const opsOf = (p: PatchRecord) => p.ops as { path: string; value?: unknown }[];
const isWriteBack = (p: PatchRecord) => opsOf(p).every((op) => op.path === '/externalReferenceId');
const sfWrites = (s: Stack) => s.sf.fake.requests().filter((r) => r.method !== 'GET').length;
const latestStamp = (s: Stack) =>
  Math.max(0, ...s.sf.fake.records('Opportunity').map((o) => Date.parse(String(o.SystemModstamp))));
const latestUpdate = (s: Stack, ids: readonly string[]) =>
  Math.max(0, ...ids.map((id) => Date.parse(String(s.pc.get(id)?.updatedDateTime))));

type First = 'poll' | 'pull';

/** Poll + push and pull + sync (`first` goes first), until a round writes nothing on either side. */
async function untilQuiet(s: Stack, rt: Runtime, first: First = 'poll'): Promise<void> {
  const out = rt.outbound;
  if (!out) throw new Error('outbound is on in this test');
  const pollAndPush = async () => {
    await out.poll();
    await idle(out.pushQueue);
  };
  const steps = first === 'poll' ? [pollAndPush, () => syncUntilQuiet(rt)] : [() => syncUntilQuiet(rt), pollAndPush];
  for (let round = 0; round < 5; round++) {
    const before = [s.pc.patches.length, sfWrites(s)];
    for (const step of steps) await step();
    if (s.pc.patches.length === before[0] && sfWrites(s) === before[1]) return;
  }
  throw new Error('the sync did not settle in 5 rounds');
}

/**
 * Restarts the private Redis with its data directory removed. (A FLUSHALL before a SIGKILL was
 * not enough: with appendfsync everysec Redis may postpone writing the AOF while a background
 * fsync is slow, so on a busy disk the flush was lost and the data came back: 1248 keys.)
 */
async function loseRedisData(redis: PrivateRedis): Promise<void> {
  await redis.restartEmpty();
  const check = new Redis(redis.url);
  try {
    expect(await check.dbsize()).toBe(0);
  } finally {
    await check.quit();
  }
}

/*
 * After the loss the worker polls the CRM and pulls Partner Center in either order. Pull first
 * needs inbound sync without sync state to leave an opportunity alone when its modstamp is newer
 * than the referral's updatedDateTime (the lead's change to src/sync/sync-referral.ts): without
 * it, the full re-sync writes Partner Center's values over the sellers' unsent edits. LEAD: set
 * this to true when that change is merged.
 */
const INBOUND_COMPARES_MODSTAMPS = true;

describe.each([
  { first: 'poll' as const, ready: true },
  { first: 'pull' as const, ready: INBOUND_COMPARES_MODSTAMPS },
])('fault: Redis loses its data with outbound sync on, then $first first (#20)', ({ first, ready }) => {
  it.skipIf(!hasRedisServer || !ready)(
    "only genuine seller actions reach Partner Center; Microsoft's 100 edits survive and reach the CRM",
    async () => {
      const redis = await startPrivateRedis();
      cleanup.push(() => redis.dispose());
      const prefix = `fault-loss-${randomBytes(4).toString('hex')}`;
      const s = await startStack({ outbound: true, redis: { url: redis.url, cluster: false, prefix } });
      cleanup.push(() => s.close());

      const created = '2025-01-02T00:00:00Z'; // long past the 72 h Won hold
      const fresh: Referral[] = Array.from({ length: 60 }, () => makeReferral({ createdDateTime: created }));
      const accepted: Referral[] = Array.from({ length: 100 }, () =>
        makeReferral({ createdDateTime: created, status: 'Active', substatus: 'Accepted', acceptedDateTime: created }),
      );
      s.pc.seed([...fresh, ...accepted]);
      await untilQuiet(s, s.rt);
      const oppOf = new Map(s.sf.fake.records('Opportunity').map((o) => [String(o.Referral_Id__c), String(o.Id)]));
      const opp = (id: string) => {
        const found = oppOf.get(id);
        if (!found) throw new Error(`no opportunity for ${id}`);
        return found;
      };

      // Decisions pushed before the loss: they must not be pushed again after it.
      const early = {
        accept: fresh.slice(0, 10),
        decline: fresh.slice(10, 15),
        won: accepted.slice(0, 5),
        lost: accepted.slice(5, 10),
      };
      for (const r of early.accept) s.sf.fake.updateAsUser(opp(r.id), { Referral_Decision__c: 'Accept' });
      for (const r of early.decline)
        s.sf.fake.updateAsUser(opp(r.id), { Referral_Decision__c: 'Decline', Referral_Decline_Reason__c: 'Budget' });
      for (const r of early.won) s.sf.fake.updateAsUser(opp(r.id), { StageName: 'Closed Won' });
      for (const r of early.lost) s.sf.fake.updateAsUser(opp(r.id), { StageName: 'Closed Lost' });
      await untilQuiet(s, s.rt);
      const earlyIds = Object.values(early)
        .flat()
        .map((r) => r.id);
      expect(
        new Set(
          applied(s)
            .filter((p) => !isWriteBack(p))
            .map((p) => p.id),
        ),
      ).toEqual(new Set(earlyIds));

      // Seller changes the worker has not seen when Redis loses its data, on referrals Microsoft leaves alone.
      const pending = {
        accept: fresh.slice(15, 20),
        decline: fresh.slice(20, 23),
        won: accepted.slice(10, 14),
        amount: accepted.slice(14, 19),
        notes: accepted.slice(19, 22),
      };
      const pendingIds = new Set(
        Object.values(pending)
          .flat()
          .map((r) => r.id),
      );
      const msEdited = [...fresh, ...accepted].filter((r) => !pendingIds.has(r.id)).slice(0, 100);
      expect(msEdited).toHaveLength(100);

      // Microsoft edits after our last CRM write, and the sellers after that: each side's stamp
      // is then strictly later than the other's (waiting for the clock, not for a fixed time).
      const crmSettled = latestStamp(s);
      await waitFor('the clock past the last CRM write', () => Date.now() > crmSettled, 5_000, 5);
      for (const r of msEdited) {
        const current = s.pc.get(r.id);
        s.pc.upsert({ ...current, details: { ...(current?.details as object), notes: msNote(r.id) } });
      }
      const pcSettled = latestUpdate(
        s,
        msEdited.map((r) => r.id),
      );
      await waitFor("the clock past Microsoft's edits", () => Date.now() > pcSettled, 5_000, 5);
      for (const r of pending.accept) s.sf.fake.updateAsUser(opp(r.id), { Referral_Decision__c: 'Accept' });
      for (const r of pending.decline)
        s.sf.fake.updateAsUser(opp(r.id), { Referral_Decision__c: 'Decline', Referral_Decline_Reason__c: 'Not a fit' });
      for (const r of pending.won) s.sf.fake.updateAsUser(opp(r.id), { StageName: 'Closed Won' });
      for (const r of pending.amount) s.sf.fake.updateAsUser(opp(r.id), { Amount: 777_000 });
      for (const r of pending.notes) s.sf.fake.updateAsUser(opp(r.id), { Description: `Seller note for ${r.id}` });

      await s.rt.close(5_000);
      s.redis.on('error', () => undefined); // the harness's own connection, refused while Redis restarts
      await loseRedisData(redis);
      const patchesAtLoss = s.pc.patches.length;
      const rt = await s.restart();
      await untilQuiet(s, rt, first);

      const after = s.pc.patches.slice(patchesAtLoss);
      const perReferral = new Map<string, number>();
      for (const p of applied(s, patchesAtLoss)) perReferral.set(p.id, (perReferral.get(p.id) ?? 0) + 1);

      // Partner Center: only the genuine actions, once each; no early decision again; no 412s.
      expect(
        after.filter((p) => p.outcome !== 'applied'),
        'rejected PATCHes after the loss',
      ).toEqual([]);
      expect([...perReferral.keys()].sort(), 'referrals patched after the loss').toEqual([...pendingIds].sort());
      expect(
        [...perReferral].filter(([, n]) => n !== 1),
        'referrals patched more than once',
      ).toEqual([]);
      expect(
        earlyIds.filter((id) => perReferral.has(id)),
        'decisions pushed twice',
      ).toEqual([]);
      for (const r of pending.accept) expect(s.pc.get(r.id)).toMatchObject({ status: 'Active', substatus: 'Accepted' });
      for (const r of pending.decline)
        expect(s.pc.get(r.id)).toMatchObject({ status: 'Closed', substatus: 'Declined' });
      for (const r of pending.won) expect(s.pc.get(r.id)).toMatchObject({ status: 'Closed', substatus: 'Won' });
      for (const r of pending.amount) expect(s.pc.get(r.id)?.details).toMatchObject({ dealValue: 777_000 });
      for (const r of pending.notes)
        expect(s.pc.get(r.id)?.details).toMatchObject({ notes: `Seller note for ${r.id}` });

      // Microsoft's edits: none overwritten in Partner Center, all 100 in the CRM.
      const overwritten = msEdited.filter(
        (r) => (s.pc.get(r.id)?.details as { notes?: unknown } | undefined)?.notes !== msNote(r.id),
      );
      expect(
        overwritten.map((r) => r.id),
        'Microsoft edits overwritten in Partner Center',
      ).toEqual([]);
      const inCrm = msEdited.filter((r) => s.sf.fake.record('Opportunity', opp(r.id))?.Description === msNote(r.id));
      expect(inCrm.length, 'Microsoft edits in the CRM').toBe(100);

      // No refusal or conflict shown on any opportunity (nothing was mistaken for a seller action).
      const messages = s.sf.fake.records('Opportunity').filter((o) => o.Referral_Sync_Message__c != null);
      expect(messages.map((o) => `${String(o.Referral_Id__c)}: ${String(o.Referral_Sync_Message__c)}`)).toEqual([]);
    },
    240_000,
  );
});
