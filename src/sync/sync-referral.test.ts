import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { JsonPatchOp, Referral } from '../domain/referral.ts';
import { referral as baseReferral } from '../outbound/outbound.fixtures.ts';
import type { OpportunityDraft, UpsertResult } from '../ports/crm.ts';
import type { PartnerCenterClient } from '../ports/partner-center.ts';
import type { ParkedReferral, ReferralSyncState } from '../ports/state.ts';
import { needsSync } from './pull-referrals.ts';
import { syncReferral, type SyncTarget } from './sync-referral.ts';

/*
 * syncReferral against in-memory ports: what it writes when the sync state is gone (Redis lost
 * its data, issue 12) and the referral already names an opportunity of ours.
 */
const NOW = new Date('2025-03-10T12:00:00Z');
const OPP = '006000000000001AAA';

function world(o: {
  referral: Referral;
  state?: ReferralSyncState;
  crm?: { referralId: string; modstamp: string } | null;
  adopt?: boolean;
  epochs?: { job: string; now: string };
  lossSeen?: boolean;
}) {
  let pc = o.referral;
  const states = new Map<string, ReferralSyncState>(o.state ? [[pc.id, o.state]] : []);
  const upserts: OpportunityDraft[] = [];
  const patches: JsonPatchOp[][] = [];
  const parked: ParkedReferral[] = [];
  const lookups: string[] = [];
  const partnerCenter = {
    getReferral: async () => pc,
    patchReferral: async (_id: string, ops: JsonPatchOp[]) => {
      patches.push(ops);
      pc = { ...pc, externalReferenceId: String(ops[0]?.value), eTag: `${pc.eTag}+` };
      return pc;
    },
  } as unknown as PartnerCenterClient;
  const target: SyncTarget = {
    crm: 'salesforce',
    upsert: async (draft): Promise<UpsertResult> => {
      upserts.push(draft);
      return { referralId: draft.referralId, ok: true, crmId: OPP, created: o.crm === undefined || o.crm === null };
    },
    toDraft: (r) => ({
      referralId: r.id,
      fields: { Name: r.name ?? 'x', StageName: 'Prospecting', Description: r.details?.notes ?? null },
      createOnly: ['StageName'],
      account: null,
    }),
    lookup: async (referralId) => (
      lookups.push(referralId),
      o.crm && referralId === o.crm.referralId ? { crmId: OPP, modstamp: o.crm.modstamp } : null
    ),
  };
  const deps = {
    referrals: { putMany: async () => undefined, get: async () => pc, idsWithStatus: async () => [] },
    state: {
      get: async (id: string) => states.get(id) ?? null,
      put: async (id: string, s: ReferralSyncState) => void states.set(id, s),
    },
    parking: {
      park: async (p: ParkedReferral) => void parked.push(p),
      release: async () => undefined,
      has: async () => false,
      list: async () => parked,
    },
    partnerCenter,
    target: () => target,
    clock: { now: () => NOW },
    log: pino({ level: 'silent' }),
    stateHistory: async () => ({ epoch: o.epochs?.now ?? null, lossSeen: o.lossSeen === true }),
  };
  return {
    run: () => syncReferral(deps, pc.id, pc.eTag, { adopt: o.adopt, epoch: o.epochs?.job }),
    lookups,
    upserts,
    patches,
    state: () => states.get(pc.id),
    parked,
  };
}

const synced = (over: Partial<Referral> = {}) =>
  baseReferral({ externalReferenceId: OPP, updatedDateTime: '2025-03-05T08:00:00Z', ...over });

describe('syncReferral with no sync state, for a referral that names our opportunity (#12)', () => {
  it('keeps an opportunity changed after the referral as it is: no CRM write, state rebuilt, no second write-back', async () => {
    const w = world({ referral: synced(), crm: { referralId: synced().id, modstamp: '2025-03-06T09:00:00Z' } });
    expect(await w.run()).toBe('unchanged');
    expect(w.upserts).toEqual([]);
    expect(w.patches).toEqual([]);
    expect(w.state()).toMatchObject({ crmId: OPP, writtenBack: true });
  });

  it("writes Partner Center's newer values without create-only fields (a seller's stage stays)", async () => {
    const w = world({ referral: synced(), crm: { referralId: synced().id, modstamp: '2025-03-04T09:00:00Z' } });
    expect(await w.run()).toBe('updated');
    expect(w.upserts).toHaveLength(1);
    expect(Object.keys(w.upserts[0]?.fields ?? {})).not.toContain('StageName');
    expect(w.patches).toEqual([]);
    expect(w.state()).toMatchObject({ crmId: OPP, writtenBack: true });
  });

  it('writes in full when no opportunity holds the referral key (deleted meanwhile)', async () => {
    const w = world({ referral: synced(), crm: { referralId: 'someone-else', modstamp: '2025-03-06T09:00:00Z' } });
    await w.run();
    expect(Object.keys(w.upserts[0]?.fields ?? {})).toContain('StageName');
  });

  it("after a detected loss, finds a Closed referral's opportunity although the referral names none", async () => {
    const closed = baseReferral({
      status: 'Closed',
      substatus: 'Won',
      externalReferenceId: null,
      updatedDateTime: '2025-03-05T08:00:00Z',
    });
    const w = world({
      referral: closed,
      crm: { referralId: closed.id, modstamp: '2025-03-06T09:00:00Z' },
      adopt: true,
    });
    expect(await w.run()).toBe('unchanged');
    expect(w.upserts).toEqual([]);
    expect(w.patches).toEqual([]);
  });

  it('a job queued by a pull that ran across the loss (older epoch) looks up too', async () => {
    const closed = baseReferral({
      status: 'Closed',
      substatus: 'Won',
      externalReferenceId: null,
      updatedDateTime: '2025-03-05T08:00:00Z',
    });
    const w = world({
      referral: closed,
      crm: { referralId: closed.id, modstamp: '2025-03-06T09:00:00Z' },
      epochs: { job: 'e1', now: 'e2' },
    });
    expect(await w.run()).toBe('unchanged');
    expect(w.lookups).toEqual([closed.id]);
    expect(w.upserts).toEqual([]);
  });

  it('once a loss was seen, a referral without state is looked up whatever pull queued it', async () => {
    const closed = baseReferral({
      status: 'Closed',
      substatus: 'Lost',
      externalReferenceId: null,
      updatedDateTime: '2025-03-05T08:00:00Z',
    });
    const w = world({
      referral: closed,
      crm: { referralId: closed.id, modstamp: '2025-03-06T09:00:00Z' },
      lossSeen: true,
    });
    expect(await w.run()).toBe('unchanged');
    expect(w.lookups).toEqual([closed.id]);
    expect(w.upserts).toEqual([]);
  });

  it('a first sync (no CRM id named, no loss) makes no lookup and writes in full', async () => {
    const fresh = baseReferral({ externalReferenceId: null });
    const w = world({ referral: fresh, crm: { referralId: fresh.id, modstamp: '2025-03-06T09:00:00Z' } });
    await w.run();
    expect(w.lookups).toEqual([]);
    expect(Object.keys(w.upserts[0]?.fields ?? {})).toContain('StageName');
    expect(w.patches).toHaveLength(1);
  });
});

describe('needsSync', () => {
  const r = baseReferral({ eTag: 'e1', externalReferenceId: null });
  const state = (over: Partial<ReferralSyncState> = {}): ReferralSyncState => ({
    eTag: 'e1',
    draftHash: 'h',
    crm: 'salesforce',
    crmId: OPP,
    writtenBack: true,
    syncedAt: NOW.toISOString(),
    ...over,
  });
  it.each([
    ['no state', null, r, 'version'],
    ['another version synced', state({ eTag: 'e0' }), r, 'version'],
    ['synced and written back', state(), r, 'none'],
    ['synced, write-back missing (#12)', state({ writtenBack: false }), r, 'write-back'],
    ['synced, id already in Partner Center', state({ writtenBack: false }), { ...r, externalReferenceId: OPP }, 'none'],
    ['synced, referral closed (takes no edits)', state({ writtenBack: false }), { ...r, status: 'Closed' }, 'none'],
  ] as const)('%s → %s', (_name, s, referral, need) => {
    expect(needsSync(s, referral as Referral)).toBe(need);
  });
});
