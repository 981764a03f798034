import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { JsonPatchOp, Referral } from '../domain/referral.ts';
import type { CrmSnapshot } from '../outbound/crm-snapshot.ts';
import type { CrmStatusWritten } from '../outbound/inbound-echo.ts';
import { active, applyPatch, NOW, rules, snapshot } from '../outbound/outbound.fixtures.ts';
import { mergePushed, valuesOf, type PushedValues } from '../outbound/snapshot-values.ts';
import type { CrmOutbound } from '../ports/crm.ts';
import type { OutboundStore } from '../ports/outbound-store.ts';
import type { PartnerCenterClient } from '../ports/partner-center.ts';
import type { ReferralStore } from '../ports/state.ts';
import { pushOutcome } from './push-outcome.ts';

/* pushOutcome against in-memory ports: what it reads and remembers when the memory is gone (#20). */

function world(o: {
  pc: Referral;
  stored?: Referral;
  snap: CrmSnapshot;
  pushed?: PushedValues;
  written?: CrmStatusWritten;
}) {
  let pc = o.pc;
  const patches: JsonPatchOp[][] = [];
  const stored = new Map(o.stored ? [[o.stored.id, o.stored]] : []);
  let pushed = o.pushed ?? null;
  const partnerCenter = {
    getReferral: async () => pc,
    patchReferral: async (_id: string, ops: JsonPatchOp[]) => {
      patches.push(ops);
      pc = applyPatch(pc, ops);
      return pc;
    },
  } as unknown as PartnerCenterClient;
  const referrals: ReferralStore = {
    putMany: async (rs) => void rs.forEach((r) => stored.set(r.id, r)),
    get: async (id) => stored.get(id) ?? null,
    idsWithStatus: async () => [],
  };
  const outbound = {
    snapshot: async () => o.snap,
    lastPushed: async () => pushed,
    lastWritten: async () => o.written ?? null,
    rememberPushed: async (_id: string, v: PushedValues) => void (pushed = mergePushed(pushed, v)),
    audit: async () => undefined,
    messageShown: async () => false,
    setMessageShown: async () => undefined,
  } as unknown as OutboundStore;
  const crm: CrmOutbound = {
    listChangedSince: async () => ({ snapshots: [], invalid: [], cursor: null }),
    getSnapshot: async () => o.snap,
    writeStatus: async () => undefined,
  };
  const deps = {
    partnerCenter,
    referrals,
    outbound,
    crm,
    rules: rules(),
    clock: { now: () => NOW },
    log: pino({ level: 'silent' }),
  };
  return { run: () => pushOutcome(deps, o.pc.id), patches, pushed: () => pushed };
}

const msEdited = active({
  updatedDateTime: '2025-03-05T08:00:00Z',
  details: { ...active().details, notes: 'Microsoft: 200 users' },
});

describe('pushOutcome without outbound memory (#20)', () => {
  it("reads the referral fresh: a stored copy from before Microsoft's edit does not make the CRM look newer", async () => {
    const w = world({ pc: msEdited, stored: active({ updatedDateTime: '2025-03-04T08:00:00Z' }), snap: snapshot() });
    expect(await w.run()).toEqual({ result: 'none' });
    expect(w.patches).toEqual([]);
  });

  it("remembers the opportunity's values as the baseline when Partner Center is newer", async () => {
    const w = world({ pc: msEdited, snap: snapshot() });
    await w.run();
    expect(w.pushed()).toEqual(valuesOf(snapshot()));
  });

  it('with memory, decides against it as before (a stale CRM value is not an edit)', async () => {
    const w = world({
      pc: msEdited,
      stored: msEdited,
      snap: snapshot({ modstamp: '2025-03-06T00:00:00Z' }),
      pushed: valuesOf(snapshot()),
    });
    expect(await w.run()).toEqual({ result: 'none' });
    expect(w.patches).toEqual([]);
  });

  it('an empty lastPushed is no memory, even with lastWritten left: modification time decides', async () => {
    const w = world({
      pc: msEdited,
      snap: snapshot(),
      pushed: {},
      written: { status: 'Active', substatus: 'Accepted' },
    });
    expect(await w.run()).toEqual({ result: 'none' });
    expect(w.patches).toEqual([]);
  });
});
