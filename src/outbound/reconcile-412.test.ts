import { describe, expect, it } from 'vitest';
import type { Referral } from '../domain/referral.ts';
import type { CrmSnapshot } from './crm-snapshot.ts';
import { decideOutbound } from './decide.ts';
import type { PushDecision } from './outbound-decision.ts';
import { active, applyPatch, NOW, referral, rules, snapshot } from './outbound.fixtures.ts';
import { reconcile412 } from './reconcile-412.ts';
import { valuesOf, type PushedValues } from './snapshot-values.ts';

const base = valuesOf(snapshot());

function rejectedPush(r: Referral, snap: CrmSnapshot, lastPushed: PushedValues | null): PushDecision {
  const d = decideOutbound({ referral: r, snapshot: snap, lastPushed, rules: rules(), now: NOW });
  if (d.kind !== 'push') throw new Error(`expected a push, got ${d.kind}`);
  return d;
}

describe('reconcile412', () => {
  const acceptSnap = snapshot({ decision: 'accept', dealValue: 64000 });
  const acceptPush = rejectedPush(referral(), acceptSnap, base);
  const reconcile = (
    fresh: Referral,
    rejected: PushDecision,
    snap: CrmSnapshot,
    lastPushed: PushedValues | null = base,
  ) => reconcile412({ fresh, rejected, snapshot: snap, lastPushed, rules: rules(), now: NOW });

  it('expired meanwhile -> conflict, nothing overwritten', () => {
    const fresh = referral({ status: 'Closed', substatus: 'Expired', eTag: '"e9"' });
    expect(reconcile(fresh, acceptPush, acceptSnap)).toEqual({
      kind: 'conflict',
      reason: 'referral expired in Partner Center before our accept arrived; nothing was overwritten',
      showOnOpportunity: true,
      seen: valuesOf(acceptSnap),
      from: 'Closed/Expired',
      to: 'Active/Accepted',
    });
  });

  it('closed by Microsoft meanwhile while we edited -> conflict naming the state', () => {
    const snap = snapshot({ notes: 'Pilot in April' });
    const edit = rejectedPush(active(), snap, base);
    const fresh = active({ status: 'Closed', substatus: 'Lost', eTag: '"e9"' });
    expect(reconcile(fresh, edit, snap)).toMatchObject({
      kind: 'conflict',
      reason: 'referral was closed in Partner Center as Closed/Lost before our edit arrived; nothing was overwritten',
    });
  });

  it('already accepted (by someone else, same values) -> done, recorded as pushed', () => {
    const fresh = applyPatch(referral(), acceptPush.ops);
    expect(reconcile(fresh, acceptPush, acceptSnap)).toEqual({ kind: 'done', pushedValues: acceptPush.pushedValues });
  });

  it('already Won -> done, even though Closed refuses the remaining edit', () => {
    const snap = snapshot({ isClosed: true, isWon: true, dealValue: 61000 });
    const won = rejectedPush(active(), snap, base);
    const fresh = active({ status: 'Closed', substatus: 'Won', eTag: '"e9"' });
    expect(reconcile(fresh, won, snap)).toEqual({ kind: 'done', pushedValues: won.pushedValues });
  });

  it('notes changed meanwhile -> re-apply our change with the fresh eTag, keeping their notes', () => {
    const snap = snapshot({ dealValue: 70000 });
    const edit = rejectedPush(active(), snap, base);
    const fresh = active({ eTag: '"e7"', details: { ...active().details, notes: 'Microsoft: customer wants a demo' } });
    expect(reconcile(fresh, edit, snap)).toEqual({
      kind: 'reapply',
      push: expect.objectContaining({
        intent: 'edit',
        eTag: '"e7"',
        ops: [{ op: 'replace', path: '/details/dealValue', value: 70000 }],
      }),
    });
  });

  it('still New after a 412 -> the accept is re-applied against the fresh referral', () => {
    const fresh = referral({
      substatus: 'Received',
      eTag: '"e4"',
      details: { ...referral().details, dealValue: 64000 },
    });
    const result = reconcile(fresh, acceptPush, acceptSnap);
    expect(result).toMatchObject({ kind: 'reapply', push: { intent: 'accept', eTag: '"e4"', from: 'New/Received' } });
    if (result.kind === 'reapply') expect(result.push.ops.map((o) => o.path)).toEqual(['/status', '/substatus']);
  });

  it('our edit already there -> done', () => {
    const snap = snapshot({ notes: 'Pilot in April' });
    const edit = rejectedPush(active(), snap, base);
    expect(reconcile(applyPatch(active(), edit.ops), edit, snap)).toEqual({
      kind: 'done',
      pushedValues: edit.pushedValues,
    });
  });

  it('unknown status on re-read -> refused', () => {
    const fresh = referral({ status: 'Migrated', substatus: null });
    expect(reconcile(fresh, acceptPush, acceptSnap)).toMatchObject({
      kind: 'refuse',
      reason: expect.stringContaining('Migrated/None'),
    });
  });
});
