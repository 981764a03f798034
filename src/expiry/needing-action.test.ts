import { describe, expect, it } from 'vitest';
import { needingAction, type AtRiskEntry } from './at-risk.ts';

const H = 3_600_000;
const entry = (referralId: string, hoursLeft: number, contactMe = false): AtRiskEntry => ({
  referralId,
  dealName: referralId,
  customerName: null,
  deadline: new Date(hoursLeft * H),
  deadlineText: '',
  timeLeftMs: hoursLeft * H,
  timeLeftText: '',
  level: null,
  contactMe,
  contactBy: null,
});

describe('needingAction', () => {
  it('lists contact-me requests first, then deadlines within 72 h soonest first, and leaves the rest out', () => {
    const list = [
      entry('far', 300),
      entry('soon', 20),
      entry('call-far', 200, true),
      entry('edge', 72),
      entry('later', 73),
    ];
    expect(needingAction(list).map((e) => e.referralId)).toEqual(['call-far', 'soon', 'edge']);
  });
});
