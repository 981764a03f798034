import { describe, expect, it } from 'vitest';
import { canEdit, canMove, knownState, MOVES, targetOf, type TargetState } from './state-machine.ts';

const to = (status: TargetState['status'], substatus: TargetState['substatus']): TargetState => ({ status, substatus });

describe('canMove', () => {
  it.each([
    ['New', 'Pending', to('Active', 'Accepted'), true],
    ['New', 'Received', to('Closed', 'Declined'), true],
    ['New', null, to('Active', 'Accepted'), true],
    ['New', 'None', to('Closed', 'Declined'), true],
    ['New', 'Pending', to('Closed', 'Won'), false],
    ['New', 'Pending', to('Closed', 'Lost'), false],
    ['Active', 'Accepted', to('Closed', 'Won'), true],
    ['Active', 'Accepted', to('Closed', 'Lost'), true],
    ['Active', 'Accepted', to('Closed', 'Declined'), false],
    ['Active', 'Accepted', to('Active', 'Accepted'), false],
    ['Closed', 'Won', to('Closed', 'Lost'), false],
    ['Closed', 'Expired', to('Active', 'Accepted'), false],
    ['Closed', 'Error', to('Active', 'Accepted'), false],
    ['Engaged', null, to('Active', 'Accepted'), false],
    ['New', 'Error', to('Active', 'Accepted'), false],
  ] as const)('%s/%s -> %o: %s', (status, substatus, target, ok) => {
    expect(canMove({ status, substatus }, target).ok).toBe(ok);
  });

  it('gives the reason for each refusal', () => {
    expect(canMove({ status: 'Closed', substatus: 'Won' }, to('Closed', 'Lost'))).toEqual({
      ok: false,
      reason: 'referral is Closed/Won in Partner Center; Closed is terminal',
    });
    expect(canMove({ status: 'Active', substatus: 'Accepted' }, to('Closed', 'Declined'))).toEqual({
      ok: false,
      reason: 'Partner Center does not allow Active/Accepted -> Closed/Declined',
    });
    expect(canMove({ status: 'Engaged', substatus: 'Accepted' }, to('Active', 'Accepted'))).toEqual({
      ok: false,
      reason: 'Partner Center status Engaged/Accepted is not one we know; nothing was sent rather than guess',
    });
  });
});

describe('state data', () => {
  it('lists exactly the four partner moves', () => {
    expect(MOVES.map((m) => `${m.from} -> ${m.to.status}/${m.to.substatus}`)).toEqual([
      'New -> Active/Accepted',
      'New -> Closed/Declined',
      'Active -> Closed/Won',
      'Active -> Closed/Lost',
    ]);
    expect(targetOf('won')).toEqual(to('Closed', 'Won'));
  });

  it('knows Closed whatever its substatus, and refuses unknown New/Active substatuses', () => {
    expect(knownState({ status: 'Closed', substatus: 'Error' }).ok).toBe(true);
    expect(knownState({ status: 'Active', substatus: 'Engaged' }).ok).toBe(false);
    expect(knownState({ status: 'None', substatus: null }).ok).toBe(false);
  });

  it.each([
    ['Active', 'Accepted', true, ''],
    ['New', 'Pending', false, 'edits are sent with the accept'],
    ['Closed', 'Lost', false, 'referral is Closed/Lost in Partner Center; edits are not accepted'],
  ] as const)('canEdit %s/%s: %s', (status, substatus, ok, reason) => {
    const v = canEdit({ status, substatus });
    expect(v.ok).toBe(ok);
    if (!v.ok) expect(v.reason).toContain(reason);
  });
});
