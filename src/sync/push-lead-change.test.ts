import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { JsonPatchOp, Referral } from '../domain/referral.ts';
import type { CrmSnapshot } from '../outbound/crm-snapshot.ts';
import { applyPatch, NOW, referral, rules, snapshot } from '../outbound/outbound.fixtures.ts';
import { mergePushed, type PushedValues } from '../outbound/snapshot-values.ts';
import type { CrmOutbound, CrmStatusWrite } from '../ports/crm.ts';
import type { OutboundStore } from '../ports/outbound-store.ts';
import type { PartnerCenterClient } from '../ports/partner-center.ts';
import type { ReferralSyncState } from '../ports/state.ts';
import { pushLeadChange } from './push-lead-change.ts';

/* pushLeadChange (issue 16) against in-memory ports: a Lead's decline, and a conversion as the accept. */

const LEAD = '00Q000000000001AAA';
const OPP = '006000000000009AAA';

function world(o: { lead: CrmSnapshot; state: ReferralSyncState; convertedTo?: string }) {
  let pc: Referral = referral();
  let stored: CrmSnapshot | null = o.lead;
  let state: ReferralSyncState | null = o.state;
  let pushed: PushedValues | null = null;
  const patches: JsonPatchOp[][] = [];
  const keyed: string[] = [];
  const statusWrites: [string, string, CrmStatusWrite][] = [];
  const crm = (side: string, snap: CrmSnapshot | null): CrmOutbound => ({
    listChangedSince: async () => ({ snapshots: [], invalid: [], cursor: null }),
    getSnapshot: async () => snap,
    writeStatus: async (id, w) => void statusWrites.push([side, id, w]),
  });
  const deps = {
    partnerCenter: {
      getReferral: async () => pc,
      patchReferral: async (_id: string, ops: JsonPatchOp[]) => {
        patches.push(ops);
        pc = applyPatch(pc, ops);
        return pc;
      },
    } as unknown as PartnerCenterClient,
    referrals: { putMany: async () => undefined, get: async () => pc, idsWithStatus: async () => [] },
    outbound: {
      snapshot: async () => stored,
      putSnapshots: async (s: CrmSnapshot[]) => void (stored = s[0] ?? stored),
      lastPushed: async () => pushed,
      rememberPushed: async (_id: string, v: PushedValues) => void (pushed = mergePushed(pushed, v)),
      audit: async () => undefined,
      messageShown: async () => false,
      setMessageShown: async () => undefined,
    } as unknown as OutboundStore,
    crm: crm('lead', o.lead),
    opportunity: crm('opportunity', snapshot({ crmId: OPP, name: 'Converted deal', dealValue: 48_000 })),
    rules: rules(),
    clock: { now: () => NOW },
    log: pino({ level: 'silent' }),
    state: {
      get: async () => state,
      put: async (_id: string, s: ReferralSyncState) => void (state = s),
    },
    target: () => ({
      crm: 'salesforce' as const,
      toDraft: (r: Referral) => ({ referralId: r.id, fields: { Name: r.name ?? '' }, account: null }),
      lead: {
        landsAsLead: () => true,
        upsert: async () => {
          throw new Error('a push writes no Lead');
        },
        toDraft: () => {
          throw new Error('a push maps no Lead');
        },
        conversionOf: async () => o.convertedTo ?? null,
        keyOpportunity: async (opp: string, ref: string) => void keyed.push(`${opp}=${ref}`),
      },
    }),
  };
  return {
    run: () => pushLeadChange(deps, 'ref-1'),
    pc: () => pc,
    keyed,
    state: () => state,
    statusWrites,
  };
}

const leadState: ReferralSyncState = {
  eTag: '"e1"',
  draftHash: 'h',
  crm: 'salesforce',
  crmId: LEAD,
  record: 'lead',
  writtenBack: true,
  syncedAt: NOW.toISOString(),
};
const leadSnap = (over: Partial<CrmSnapshot>) =>
  snapshot({ crmId: LEAD, name: 'Bluefin', dealValue: null, closeDate: null, currency: null, ...over });

describe('pushLeadChange', () => {
  it('pushes a disqualified Lead as a decline, and writes nothing to the opportunity side', async () => {
    const w = world({
      lead: leadSnap({ decision: 'decline', declineReason: 'Customer chose another vendor' }),
      state: leadState,
    });
    await w.run();
    expect([w.pc().status, w.pc().substatus, w.pc().statusReason]).toEqual([
      'Closed',
      'Declined',
      'Customer chose another vendor',
    ]);
  });

  it("pushes a conversion as the accept with the opportunity's values, after keying it and switching the state", async () => {
    const w = world({ lead: leadSnap({ decision: 'accept' }), state: leadState, convertedTo: OPP });
    await w.run();
    expect([w.keyed, w.state()?.crmId, w.pc().status, w.pc().name, w.pc().details?.dealValue]).toEqual([
      [`${OPP}=ref-1`],
      OPP,
      'Active',
      'Converted deal',
      48_000,
    ]);
  });

  it('still pushes the accept when a pull followed the conversion first (state already on the opportunity)', async () => {
    const w = world({ lead: leadSnap({ decision: 'accept' }), state: { ...leadState, crmId: OPP, record: undefined } });
    await w.run();
    expect([w.keyed, w.pc().status]).toEqual([[], 'Active']);
  });
});
