import { describe, expect, it } from 'vitest';
import { decideOutbound } from './decide.ts';
import { inboundStatusUpdate, referralValuesOf, stageFor } from './inbound-echo.ts';
import { active, NOW, referral, rules, snapshot } from './outbound.fixtures.ts';
import { mergePushed, valuesOf } from './snapshot-values.ts';

const r = rules({
  inboundStages: { 'Closed/Expired': 'Closed Lost', Declined: 'Closed Lost', Active: 'Qualification' },
});

describe('inboundStatusUpdate', () => {
  it.each([
    [
      'expired by Microsoft',
      referral({ status: 'Closed', substatus: 'Expired' }),
      null,
      { status: 'Closed', substatus: 'Expired', expired: true, closedByMicrosoft: true, stage: 'Closed Lost' },
    ],
    [
      'closed Lost in Partner Center, not by us',
      active({ status: 'Closed', substatus: 'Lost' }),
      null,
      { status: 'Closed', substatus: 'Lost', expired: false, closedByMicrosoft: true },
    ],
    [
      'closed Won by our own push',
      active({ status: 'Closed', substatus: 'Won' }),
      { outcome: 'won' as const },
      { status: 'Closed', substatus: 'Won', expired: false, closedByMicrosoft: false },
    ],
    [
      'declined by our own push',
      referral({ status: 'Closed', substatus: 'Declined' }),
      { decision: 'decline' as const },
      { status: 'Closed', substatus: 'Declined', expired: false, closedByMicrosoft: false, stage: 'Closed Lost' },
    ],
    [
      'accepted in Partner Center',
      active(),
      null,
      { status: 'Active', substatus: 'Accepted', expired: false, closedByMicrosoft: false, stage: 'Qualification' },
    ],
  ])('%s', (_name, referral, lastPushed, update) => {
    expect(inboundStatusUpdate({ referral, lastWritten: null, lastPushed, rules: r }).update).toEqual(update);
  });

  it('writes nothing when the CRM already shows the state', () => {
    const expired = referral({ status: 'Closed', substatus: 'Expired' });
    const first = inboundStatusUpdate({ referral: expired, lastWritten: null, lastPushed: null, rules: r });
    expect(first.terminal).toBe(true);
    const again = inboundStatusUpdate({ referral: expired, lastWritten: first.written, lastPushed: null, rules: r });
    expect(again).toEqual({ update: null, written: first.written, remember: {}, terminal: true });
  });

  it('writes again when only the mapped stage changed in the configuration', () => {
    const expired = referral({ status: 'Closed', substatus: 'Expired' });
    const update = inboundStatusUpdate({
      referral: expired,
      lastWritten: { status: 'Closed', substatus: 'Expired' },
      lastPushed: null,
      rules: r,
    });
    expect(update.update?.stage).toBe('Closed Lost');
  });

  it('our "Closed Lost" write is not read back as the partner closing the deal', () => {
    const expired = referral({ status: 'Closed', substatus: 'Expired' });
    const lastPushed = valuesOf(snapshot());
    const echo = inboundStatusUpdate({ referral: expired, lastWritten: null, lastPushed, rules: r });
    expect(echo.remember).toEqual({ stage: 'Closed Lost', outcome: 'lost' });
    const crmAfter = snapshot({ stage: 'Closed Lost', isClosed: true });
    const d = decideOutbound({
      referral: expired,
      snapshot: crmAfter,
      lastPushed: mergePushed(lastPushed, echo.remember),
      rules: r,
      now: NOW,
    });
    expect(d).toEqual({ kind: 'none' });
  });

  it('looks the stage up by state, then substatus, then status', () => {
    const map = { 'Closed/Won': 'A', Lost: 'B', Closed: 'C' };
    expect(stageFor({ status: 'Closed', substatus: 'Won' }, map)).toBe('A');
    expect(stageFor({ status: 'Closed', substatus: 'Lost' }, map)).toBe('B');
    expect(stageFor({ status: 'Closed', substatus: 'Expired' }, map)).toBe('C');
    expect(stageFor({ status: 'New', substatus: 'Pending' }, map)).toBeUndefined();
  });
});

describe('referralValuesOf', () => {
  it('gives the referral fields inbound copies, in snapshot terms', () => {
    expect(
      referralValuesOf(
        referral({
          details: { dealValue: 1, currency: 'eur', closingDateTime: '2025-06-30T22:00:00-05:00', notes: ' ' },
        }),
      ),
    ).toEqual({
      name: 'Bluefin Teams Phone',
      dealValue: 1,
      currency: 'EUR',
      closeDate: '2025-07-01',
    });
  });
});
