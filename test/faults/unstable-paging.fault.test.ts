import { afterEach, describe, expect, it } from 'vitest';
import type { Referral } from '../../src/domain/referral.ts';
import type { PartnerCenterClient, ReferralListPage } from '../../src/ports/partner-center.ts';
import { makeReferrals } from '../fakes/partner-center/fixtures.ts';
import type { FakePartnerCenter, PagingMode } from '../fakes/partner-center/server.ts';
import { idle, REDIS_URL, startStack, type Stack } from '../integration/harness.ts';
import {
  appliedWriteBacks,
  expectNoSecrets,
  expectOneRecordEach,
  expectWrittenBackOnce,
  parkedOf,
  syncUntilQuiet,
  waitFor,
} from './fault-kit.ts';

/*
 * Issue 12: Partner Center's `$skiptoken` is not documented as a snapshot. Against a service that
 * pages by offset into the live order, every write-back PATCH (and every Microsoft edit) made
 * while the pull walks the list moves a referral to the end, the pages behind it shift, and the
 * old pull skipped referrals and then moved its checkpoint past them for good. Here each page is
 * handed to the pull only after another write-back has landed since the previous page, and
 * Microsoft edits two referrals per page (one already listed, one not yet), so the list shifts
 * between every two pages. The same run against a snapshotting service must end the same way.
 */
const N = 3000;
let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

interface Disturbance {
  on: boolean;
  pagesServed: number;
  writeBacksAtLastPage: number;
  handedOut: Set<string>;
  edited: Set<string>;
}

const writeBackCount = (pc: FakePartnerCenter): number => appliedWriteBacks(pc).size;

/** Microsoft edits a referral the way the service stores edits: new eTag, updatedDateTime = now. */
function microsoftEdit(pc: FakePartnerCenter, id: string, d: Disturbance): void {
  const current = pc.get(id);
  pc.upsert({ ...current, details: { ...(current?.details as object), notes: `Microsoft edit of ${id}` } });
  d.edited.add(id);
}

/** The next open referral at or after `from` in the seeded order that was not listed or edited yet. */
function aheadOf(referrals: readonly Referral[], from: number, d: Disturbance): Referral | undefined {
  for (let i = Math.min(from, referrals.length - 1); i < referrals.length; i++) {
    const r = referrals[i];
    if (r && r.status !== 'Closed' && !d.handedOut.has(r.id) && !d.edited.has(r.id)) return r;
  }
  return undefined;
}

/** Wraps the client: while `d.on`, each page waits for a new write-back and brings two Microsoft edits. */
function disturbPaging(referrals: readonly Referral[], d: Disturbance) {
  return (client: PartnerCenterClient, pc: FakePartnerCenter): PartnerCenterClient => ({
    ...client,
    async *listReferrals(query) {
      const pages = client.listReferrals(query)[Symbol.asyncIterator]();
      try {
        for (;;) {
          // Waits for a state, not a time: a write-back applied since the last page went out.
          if (d.on && d.pagesServed > 0) {
            await waitFor(
              'a write-back since the previous page',
              () => writeBackCount(pc) > d.writeBacksAtLastPage,
              60_000,
              10,
            );
          }
          const got = await pages.next();
          if (got.done) return;
          const page: ReferralListPage = got.value;
          if (d.on) {
            d.pagesServed += 1;
            d.writeBacksAtLastPage = writeBackCount(pc);
            const behind = page.referrals.find((r) => r.status !== 'Closed' && !d.edited.has(r.id));
            for (const r of page.referrals) d.handedOut.add(r.id);
            const ahead = aheadOf(referrals, d.handedOut.size + 150 + d.pagesServed, d);
            if (behind) microsoftEdit(pc, behind.id, d);
            if (ahead) microsoftEdit(pc, ahead.id, d);
          }
          yield page;
        }
      } finally {
        await pages.return?.(undefined);
      }
    },
  });
}

async function runShiftingPull(mode: PagingMode): Promise<{ s: Stack; referrals: Referral[]; d: Disturbance }> {
  const referrals = makeReferrals(N);
  const d: Disturbance = { on: true, pagesServed: 0, writeBacksAtLastPage: 0, handedOut: new Set(), edited: new Set() };
  stack = await startStack({ wrapPartnerCenter: disturbPaging(referrals, d) });
  const s = stack;
  s.pc.setPaging(mode);
  s.pc.seed(referrals);

  // The first pull runs with the sync workers on: write-backs land while it walks the list.
  await s.rt.runPull();
  d.on = false;
  await idle(s.rt.syncQueue, 5_000, 120_000);
  // Then pulls as the schedule would make them, until one changes nothing.
  await syncUntilQuiet(s.rt, 6, 90_000);
  await idle(s.rt.syncQueue, 5_000, 120_000);
  return { s, referrals, d };
}

async function expectExactEndState({
  s,
  referrals,
  d,
}: {
  s: Stack;
  referrals: Referral[];
  d: Disturbance;
}): Promise<void> {
  const opps = s.sf.fake.records('Opportunity');
  expectOneRecordEach(
    opps,
    'Referral_Id__c',
    referrals.map((r) => r.id),
  );
  const oppOf = new Map(opps.map((o) => [String(o.Referral_Id__c), String(o.Id)]));
  expectWrittenBackOnce(s.pc, referrals, (id) => oppOf.get(id));
  // Microsoft's edits made during the pull reached the opportunities too.
  expect(d.edited.size).toBeGreaterThan(10);
  const stale = [...d.edited].filter(
    (id) => opps.find((o) => o.Referral_Id__c === id)?.Description !== `Microsoft edit of ${id}`,
  );
  expect(stale, 'Microsoft edits missing from the CRM').toEqual([]);
  expect(await parkedOf(REDIS_URL, s.prefix)).toEqual([]);
  expect((await s.rt.syncQueue.getJobCounts('failed')).failed).toBe(0);
  expectNoSecrets(s.logs.text(), { pc: s.pc, extra: s.sf.fake.issuedAccessTokens() });
}

describe('fault: the list shifts under the pull (#12)', () => {
  it('a service paging by offset into the live order: no referral is skipped', async () => {
    await expectExactEndState(await runShiftingPull('offset'));
  }, 300_000);

  it('a service pinning a snapshot at the first request: the same end state', async () => {
    await expectExactEndState(await runShiftingPull('snapshot'));
  }, 300_000);
});
