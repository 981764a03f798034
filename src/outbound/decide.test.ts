import { describe, expect, it } from 'vitest';
import { decideOutbound } from './decide.ts';
import { applyPatch, bare, base, NOW, referral, rules, snapshot, status } from './outbound.fixtures.ts';
import { mergePushed } from './snapshot-values.ts';

describe('decideOutbound: sequences', () => {
  it('accept and Won in one save: accept first, Won on the next decision', () => {
    const snap = snapshot({ decision: 'accept', stage: 'Closed Won', isClosed: true, isWon: true });
    const first = decideOutbound({ referral: referral(), snapshot: snap, lastPushed: base, rules: rules(), now: NOW });
    if (first.kind !== 'push') throw new Error(first.kind);
    expect(first.intent).toBe('accept');
    const accepted = applyPatch(referral(), first.ops);
    const second = decideOutbound({
      referral: accepted,
      snapshot: snap,
      lastPushed: mergePushed(base, first.pushedValues),
      rules: rules(),
      now: NOW,
    });
    expect(second).toMatchObject({ kind: 'push', intent: 'won', ops: status('Closed', 'Won') });
  });

  it('a refusal is not repeated for the same snapshot, and goes through once the field is filled in', () => {
    const input = { referral: bare, rules: rules(), now: NOW };
    const refused = decideOutbound({
      ...input,
      snapshot: snapshot({ decision: 'accept', closeDate: null }),
      lastPushed: null,
    });
    if (refused.kind !== 'refuse') throw new Error(refused.kind);
    const lastPushed = mergePushed(null, refused.seen);
    expect(
      decideOutbound({ ...input, snapshot: snapshot({ decision: 'accept', closeDate: null }), lastPushed }),
    ).toEqual({ kind: 'none' });
    const fixed = decideOutbound({
      ...input,
      snapshot: snapshot({ decision: 'accept', closeDate: '2025-08-01' }),
      lastPushed,
    });
    expect(fixed).toMatchObject({ kind: 'push', intent: 'accept' });
  });

  it('applying a push and deciding again yields none (termination)', () => {
    const snap = snapshot({ decision: 'accept', name: 'Bluefin voice', closeDate: '2025-07-31' });
    const first = decideOutbound({ referral: bare, snapshot: snap, lastPushed: null, rules: rules(), now: NOW });
    if (first.kind !== 'push') throw new Error(first.kind);
    const after = applyPatch(bare, first.ops);
    expect(
      decideOutbound({ referral: after, snapshot: snap, lastPushed: first.pushedValues, rules: rules(), now: NOW }),
    ).toEqual({ kind: 'none' });
    // Even without the guard, nothing differs any more.
    expect(decideOutbound({ referral: after, snapshot: snap, lastPushed: null, rules: rules(), now: NOW })).toEqual({
      kind: 'none',
    });
  });

  it('refuses to decide on a snapshot of another referral', () => {
    expect(() =>
      decideOutbound({
        referral: referral(),
        snapshot: snapshot({ referralId: 'other' }),
        lastPushed: null,
        rules: rules(),
        now: NOW,
      }),
    ).toThrow(/is for referral other/);
  });
});
