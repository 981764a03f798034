import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syncOnce } from '../../jobs/sync-once.ts';
import { printReconcile } from '../../jobs/reconcile-command.ts';
import type { ReconcileResult, ScheduledReconcile } from '../../jobs/reconcile.ts';
import { createReconcileReportStore } from '../../connectors/redis/reconcile-report.ts';
import { makeReferral } from '../fakes/partner-center/fixtures.ts';
import { idle, startStack, type Stack } from './harness.ts';

/*
 * Issue 12: each drift kind made by hand against the fakes (what a lost Redis key, a cleared
 * field in Partner Center, a push that never ran or a missed status change leave behind), then one
 * sweep, then the exact end state. The repairs run through the normal sync and push workers.
 */
let s: Stack;
let reconcile: ScheduledReconcile;
const ids: Record<string, string> = {};
const opps: Record<string, string> = {};
let dry: ReconcileResult;
let dryOut = '';
let first: ReconcileResult;

const oppOf = (id: string) => s.sf.fake.records('Opportunity').filter((o) => o.Referral_Id__c === id);

beforeAll(async () => {
  s = await startStack({ outbound: true, runtime: { reconcileIntervalMs: 0 } });
  if (!s.rt.reconcile || !s.rt.outbound) throw new Error('reconcile and outbound are on in this stack');
  reconcile = s.rt.reconcile;
  const names = ['inStep', 'writeBack', 'state', 'decision', 'closed', 'deleted'];
  const seeded = names.map((n) => {
    const r = makeReferral(
      { status: 'New', substatus: 'Pending', createdDateTime: '2025-01-02T00:00:00Z', externalReferenceId: null },
      'co-sell',
    );
    ids[n] = r.id;
    return r;
  });
  s.pc.seed(seeded);
  await syncOnce(s.rt, { maxWaitMs: 30_000 });
  for (const n of names) opps[n] = String(oppOf(ids[n] as string)[0]?.Id);

  // missing-opportunity: a referral no pull has seen yet.
  const fresh = makeReferral(
    { status: 'New', substatus: 'Pending', createdDateTime: '2025-01-02T00:00:00Z' },
    'co-sell',
  );
  ids.missing = fresh.id;
  s.pc.seed([fresh]);
  // missing-write-back: someone cleared the CRM id in Partner Center.
  s.pc.upsert({ ...s.pc.get(ids.writeBack as string), externalReferenceId: null });
  // missing-state: the sync state key is gone (as after a Redis loss).
  await s.redis.del(`${s.prefix}:state:${ids.state}`);
  // undelivered-decision: the seller accepted; no poll ran.
  s.sf.fake.updateAsUser(opps.decision as string, {
    Referral_Decision__c: 'Accept',
    Name: 'Contoso rollout',
    Amount: 90_000,
    CloseDate: '2026-06-30',
  });
  // closed-in-partner-center: Microsoft expired it; no pull ran.
  s.pc.upsert({ ...s.pc.get(ids.closed as string), status: 'Closed', substatus: 'Expired' });
  // deleted-opportunity: a seller deleted the record (reported, not recreated).
  s.sf.fake.deleteAsUser(opps.deleted as string);

  dry = await reconcile.reconciler.run({ dryRun: true });
  const out = new Writable({ write: (c: Buffer, _e, cb) => void ((dryOut += c.toString()), cb()) });
  printReconcile(dry, { dryRun: true, json: false }, out);
  first = await reconcile.reconciler.run({ dryRun: false });
  const pushQueue = s.rt.outbound.pushQueue;
  await idle(s.rt.syncQueue);
  await idle(pushQueue);
  await idle(s.rt.syncQueue);
}, 120_000);

afterAll(async () => {
  await s.close();
});

describe('reconcile sweep against the fakes', () => {
  it('a dry run names each drift and queues nothing', () => {
    expect(Object.fromEntries(dry.drifts.map((d) => [d.referralId, d.kind]))).toEqual({
      [ids.missing as string]: 'missing-opportunity',
      [ids.writeBack as string]: 'missing-write-back',
      [ids.state as string]: 'missing-state',
      [ids.decision as string]: 'undelivered-decision',
      [ids.closed as string]: 'closed-in-partner-center',
      [ids.deleted as string]: 'deleted-opportunity',
    });
    expect(dry.report.queued).toBe(0);
    expect(dryOut).toMatch(/^dry run: nothing queued\./);
    expect(dryOut).toMatch(
      new RegExp(`missing-write-back\\s+${ids.writeBack}\\s+salesforce\\s+${opps.writeBack}\\s+sync job`),
    );
  });

  it('queues one repair per repairable drift and stores the report', async () => {
    expect(first.report).toMatchObject({
      queued: 5,
      parked: 0,
      counts: { 'missing-opportunity': 1, 'deleted-opportunity': 1, 'undelivered-decision': 1 },
    });
    expect(await createReconcileReportStore(s.redis, s.prefix).get()).toEqual(first.report);
  });

  it('missing-opportunity: one opportunity, its id written back', () => {
    const created = oppOf(ids.missing as string);
    expect(created).toHaveLength(1);
    expect(s.pc.get(ids.missing as string)?.externalReferenceId).toBe(created[0]?.Id);
  });

  it('missing-write-back: the id is in Partner Center again, no second opportunity', () => {
    expect(oppOf(ids.writeBack as string)).toHaveLength(1);
    expect(s.pc.get(ids.writeBack as string)?.externalReferenceId).toBe(opps.writeBack);
  });

  it('missing-state: the opportunity is adopted, not duplicated', async () => {
    expect(oppOf(ids.state as string)).toHaveLength(1);
    expect(await s.rt.state.get(ids.state as string)).toMatchObject({ crmId: opps.state, writtenBack: true });
  });

  it('undelivered-decision: the accept reached Partner Center', () => {
    expect(s.pc.get(ids.decision as string)).toMatchObject({
      status: 'Active',
      substatus: 'Accepted',
      name: 'Contoso rollout',
    });
  });

  it('closed-in-partner-center: the opportunity shows the expiry (mapped stage)', () => {
    const opp = s.sf.fake.record('Opportunity', opps.closed as string);
    expect(opp).toMatchObject({ StageName: 'Closed Lost', Referral_Status__c: 'Closed' });
  });

  it('deleted-opportunity: reported, not recreated', () => {
    expect(oppOf(ids.deleted as string)).toHaveLength(0);
  });

  it('a second sweep finds only the deletion it leaves to the seller', async () => {
    const again = await reconcile.reconciler.run({ dryRun: true });
    expect(again.drifts.map((d) => [d.referralId, d.kind])).toEqual([[ids.deleted, 'deleted-opportunity']]);
  });

  it('logs ids only for each repair, never customer contact details', () => {
    const lines = s.logs.lines.filter((l) => l.includes('reconcile: drift'));
    expect(lines).toHaveLength(6);
    expect(lines.join('')).not.toMatch(/@customer\d+\.example|"email"/);
  });
});
