import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { createRedisMappingStore } from '../connectors/redis/mapping-store.ts';
import { makeReferral } from '../test/fakes/partner-center/fixtures.ts';
import { startStack, type Stack } from '../test/integration/harness.ts';
import { createLiveMapping } from './live-mapping.ts';
import { saveMappingVersion, type Deployment } from './mapping-versions.ts';
import { syncOnce } from './sync-once.ts';

/*
 * Issue 17: a running worker applies a newly saved mapping version to its next sync job, with
 * no restart; the version is on the sync state and the job's log. Real Redis, BullMQ, fake CRM.
 */

const SF: Deployment = { kinds: ['salesforce'], both: false };
let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

async function liveStack() {
  const text = await readFile('config/mapping.default.yaml', 'utf8');
  // The store needs the stack's prefix, known once the stack exists: the runtime asks lazily.
  const live: { f?: ReturnType<typeof createLiveMapping> } = {};
  stack = await startStack({ runtime: { mapping: () => (live.f as NonNullable<typeof live.f>)() } });
  const store = createRedisMappingStore(stack.redis, stack.prefix);
  const first = await saveMappingVersion(store, SF, {
    text,
    author: 'MAPPING_FILE',
    comment: '',
    basedOn: null,
    now: new Date(),
  });
  if (!first.ok) throw new Error('the default mapping did not save');
  live.f = createLiveMapping({
    store,
    start: { mapping: stack.mapping, version: first.version },
    deployment: SF,
    log: stack.logs.log,
  });
  return { store, text };
}

const opportunity = (s: Stack, referralId: string) =>
  s.sf.fake.records('Opportunity').find((o) => o.Referral_Id__c === referralId);

describe('mapping hot reload', () => {
  it("a running worker's next sync uses the version saved after it started", async () => {
    const { store, text } = await liveStack();
    const s = stack as Stack;
    const r = makeReferral({ name: 'Kestrel Freight rollout' });
    s.pc.seed([r]);
    await syncOnce(s.rt, { maxWaitMs: 20_000 });
    expect(opportunity(s, r.id)?.Referral_Category__c).toBe('co-sell');

    const v2 = text.replace('Referral_Category__c: { from: category }', 'Referral_Category__c: { const: Partner-led }');
    const saved = await saveMappingVersion(store, SF, {
      text: v2,
      author: 'dashboard:ana',
      comment: 'x',
      basedOn: 1,
      now: new Date(),
    });
    expect(saved).toMatchObject({ ok: true, version: { id: 2 }, restart: [] });

    s.pc.upsert({ ...s.pc.get(r.id)!, details: { ...r.details, notes: 'changed in Partner Center' } });
    await syncOnce(s.rt, { maxWaitMs: 20_000 });
    expect(opportunity(s, r.id)?.Referral_Category__c).toBe('Partner-led');
    expect((await s.rt.state.get(r.id))?.mappingVersion).toBe(2);
  });

  it('puts the version on the job log', async () => {
    await liveStack();
    const s = stack as Stack;
    const r = makeReferral();
    s.pc.seed([r]);
    await syncOnce(s.rt, { maxWaitMs: 20_000 });
    const [job] = await s.rt.syncQueue.getJobs(['completed']);
    const { logs } = await s.rt.syncQueue.getJobLogs(String(job?.id));
    expect(logs).toContain('mapping version 1');
  });

  it('keeps the version in force when the new one changes a setting read at start', async () => {
    const { store, text } = await liveStack();
    const s = stack as Stack;
    const v2 = text
      .replace('externalIdField: Referral_Id__c', 'externalIdField: Other_Key__c')
      .replace('Referral_Category__c: { from: category }', 'Referral_Category__c: { const: Partner-led }');
    await saveMappingVersion(store, SF, {
      text: v2,
      author: 'dashboard:ana',
      comment: '',
      basedOn: 1,
      now: new Date(),
    });
    const r = makeReferral();
    s.pc.seed([r]);
    await syncOnce(s.rt, { maxWaitMs: 20_000 });
    expect(opportunity(s, r.id)?.Referral_Category__c).toBe('co-sell');
    expect((await s.rt.state.get(r.id))?.mappingVersion).toBe(1);
    expect(s.logs.text()).toMatch(/"needsRestart":\["salesforce.externalIdField"\].*applies after the workers restart/);
  });
});
