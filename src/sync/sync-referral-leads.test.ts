import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { JsonPatchOp, Referral } from '../domain/referral.ts';
import { referral as baseReferral } from '../outbound/outbound.fixtures.ts';
import type { OpportunityDraft, UpsertResult } from '../ports/crm.ts';
import type { PartnerCenterClient } from '../ports/partner-center.ts';
import type { ReferralSyncState } from '../ports/state.ts';
import { syncReferral, type SyncTarget } from './sync-referral.ts';

/* syncReferral for referrals that land as CRM Leads (issue 16), against in-memory ports. */
const NOW = new Date('2025-03-10T12:00:00Z');
const LEAD = '00Q000000000001AAA';
const OPP = '006000000000009AAA';

function world(o: { referral: Referral; state?: ReferralSyncState; landsAsLead?: boolean; convertedTo?: string }) {
  let pc = o.referral;
  const states = new Map<string, ReferralSyncState>(o.state ? [[pc.id, o.state]] : []);
  const writes: { record: 'lead' | 'opportunity'; draft: OpportunityDraft }[] = [];
  const keyed: string[] = [];
  const patches: JsonPatchOp[][] = [];
  const upsert =
    (record: 'lead' | 'opportunity', id: string) =>
    async (draft: OpportunityDraft): Promise<UpsertResult> => {
      writes.push({ record, draft });
      // The converted opportunity exists already: an upsert by its key updates it.
      return { referralId: draft.referralId, ok: true, crmId: id, created: record === 'lead' };
    };
  const target: SyncTarget = {
    crm: 'salesforce',
    upsert: upsert('opportunity', OPP),
    toDraft: (r) => ({ referralId: r.id, fields: { Name: r.name ?? 'x' }, account: null }),
    lead: {
      landsAsLead: () => o.landsAsLead ?? true,
      upsert: upsert('lead', LEAD),
      toDraft: (r) => ({
        referralId: r.id,
        fields: { Company: 'Bluefin', Description: r.details?.notes ?? null },
        account: null,
      }),
      conversionOf: async (leadId) => (leadId === LEAD ? (o.convertedTo ?? null) : null),
      keyOpportunity: async (opportunityId, referralId) => void keyed.push(`${opportunityId}=${referralId}`),
    },
  };
  const partnerCenter = {
    getReferral: async () => pc,
    patchReferral: async (_id: string, ops: JsonPatchOp[]) => {
      patches.push(ops);
      pc = { ...pc, externalReferenceId: String(ops[0]?.value), eTag: `${pc.eTag}+` };
      return pc;
    },
  } as unknown as PartnerCenterClient;
  const deps = {
    referrals: { putMany: async () => undefined, get: async () => pc, idsWithStatus: async () => [] },
    state: {
      get: async (id: string) => states.get(id) ?? null,
      put: async (id: string, s: ReferralSyncState) => void states.set(id, s),
    },
    parking: { park: async () => undefined, release: async () => undefined },
    partnerCenter,
    target: () => target,
    clock: { now: () => NOW },
    log: pino({ level: 'silent' }),
  };
  return {
    run: () => syncReferral(deps, pc.id, pc.eTag),
    writes,
    keyed,
    patches,
    state: () => states.get(pc.id),
  };
}

const leadState = (over: Partial<ReferralSyncState> = {}): ReferralSyncState => ({
  eTag: '"e0"',
  draftHash: 'old',
  crm: 'salesforce',
  crmId: LEAD,
  record: 'lead',
  writtenBack: true,
  syncedAt: NOW.toISOString(),
  ...over,
});

describe('syncReferral with a lead section (issue 16)', () => {
  it('writes a new lead-category referral to a Lead and remembers that it is one', async () => {
    const w = world({ referral: baseReferral() });
    await w.run();
    expect([w.writes.map((x) => x.record), w.state()?.record, w.state()?.crmId]).toEqual([['lead'], 'lead', LEAD]);
  });

  it('writes a referral the leads rule does not pick to an opportunity', async () => {
    const w = world({ referral: baseReferral(), landsAsLead: false });
    await w.run();
    expect([w.writes.map((x) => x.record), w.state()?.record]).toEqual([['opportunity'], undefined]);
  });

  it('keeps updating the Lead when the referral changes, even once the rule would no longer pick it', async () => {
    const w = world({ referral: baseReferral({ eTag: '"e2"' }), state: leadState(), landsAsLead: false });
    await w.run();
    expect(w.writes.map((x) => x.record)).toEqual(['lead']);
  });

  it('follows a conversion it finds: keys the opportunity, switches the state, writes nothing to either record', async () => {
    const w = world({ referral: baseReferral({ eTag: '"e2"' }), state: leadState(), convertedTo: OPP });
    await w.run();
    expect([w.writes, w.keyed, w.state()?.crmId, w.state()?.record]).toEqual([[], [`${OPP}=ref-1`], OPP, undefined]);
  });

  it('writes the opportunity id back to Partner Center after following a conversion', async () => {
    const w = world({
      referral: baseReferral({ eTag: '"e2"', externalReferenceId: LEAD }),
      state: leadState(),
      convertedTo: OPP,
    });
    await w.run();
    expect(w.patches).toEqual([[{ op: 'replace', path: '/externalReferenceId', value: OPP }]]);
  });

  it('updates the opportunity by key after the conversion, never the Lead again', async () => {
    const w = world({ referral: baseReferral({ eTag: '"e2"' }), state: leadState(), convertedTo: OPP });
    await w.run();
    const changed = world({
      referral: baseReferral({ eTag: '"e3"', name: 'Renamed' }),
      state: w.state() as ReferralSyncState,
      convertedTo: OPP,
    });
    await changed.run();
    expect(changed.writes.map((x) => [x.record, x.draft.fields])).toEqual([['opportunity', { Name: 'Renamed' }]]);
  });
});
