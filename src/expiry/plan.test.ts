import { describe, expect, it } from 'vitest';
import type { Referral } from '../domain/referral.ts';
import { toLevels } from './levels.ts';
import { phaseOf, planExpiry } from './plan.ts';

const levels = toLevels([72, 24, 4]);
const base: Referral = {
  id: 'r1',
  eTag: '"e"',
  status: 'New',
  substatus: 'Pending',
  createdDateTime: '2025-03-03T09:14:00Z',
  expirationDateTime: '2025-03-17T00:00:00Z',
};
const plan = (now: string, fired: string[] = [], referral: Partial<Referral> = {}, isContactMe = false) =>
  planExpiry({ referral: { ...base, ...referral }, levels, now: new Date(now), fired: new Set(fired), isContactMe });
const due = (p: ReturnType<typeof plan>) => p.due.map((d) => d.level);

describe('phaseOf', () => {
  it.each([
    ['New', 'Pending', 'waiting'],
    ['New', 'Received', 'waiting'],
    ['Active', 'Accepted', 'responded'],
    ['Closed', 'Declined', 'responded'],
    ['Closed', 'Won', 'responded'],
    ['Closed', 'Lost', 'responded'],
    ['Closed', 'Expired', 'expired'],
    ['None', 'None', 'other'],
    ['Engaged', null, 'other'],
  ])('%s/%s is %s', (status, substatus, expected) => {
    expect(phaseOf({ status, substatus })).toBe(expected);
  });
});

describe('planExpiry for a waiting referral (deadline 2025-03-17T00:00Z)', () => {
  it.each([
    ['before 72 h', '2025-03-13T23:59:59Z', [], []],
    ['exactly at 72 h', '2025-03-14T00:00:00Z', [], ['72h']],
    ['after 72 h, 72h fired', '2025-03-15T00:00:00Z', ['72h'], []],
    ['after 24 h', '2025-03-16T00:00:01Z', ['72h'], ['24h']],
    ['down across 72 h and 24 h: both, most distant first', '2025-03-16T01:00:00Z', [], ['72h', '24h']],
    ['down across all three', '2025-03-16T23:00:00Z', [], ['72h', '24h', '4h']],
    ['all fired', '2025-03-16T23:00:00Z', ['72h', '24h', '4h'], []],
    ['deadline passed: nothing more', '2025-03-17T00:00:00Z', [], []],
  ])('%s', (_name, now, fired, expected) => {
    expect(due(plan(now, fired))).toEqual(expected);
  });

  it('reports the most urgent level reached, fired or not', () => {
    expect(plan('2025-03-13T00:00:00Z').reached).toBeNull();
    expect(plan('2025-03-16T01:00:00Z', ['72h', '24h']).reached).toBe('24h');
    expect(plan('2025-03-17T05:00:00Z').reached).toBe('4h');
  });

  it('falls back to created + 14 days without expirationDateTime', () => {
    const p = plan('2025-03-14T09:14:00Z', [], { expirationDateTime: null });
    expect(p.deadline?.toISOString()).toBe('2025-03-17T09:14:00.000Z');
    expect(due(p)).toEqual(['72h']);
  });

  it('does nothing without any date', () => {
    expect(plan('2025-03-16T23:00:00Z', [], { expirationDateTime: null, createdDateTime: null })).toMatchObject({
      deadline: null,
      due: [],
    });
  });
});

describe('planExpiry contact-me', () => {
  it('fires at once, first, with its own 72 h clock from createdDateTime', () => {
    const p = plan('2025-03-03T10:00:00Z', [], {}, true);
    expect(p.due).toEqual([{ kind: 'contact-me', level: 'contact-me', deadline: new Date('2025-03-06T09:14:00Z') }]);
  });
  it('fires once', () => {
    expect(due(plan('2025-03-04T10:00:00Z', ['contact-me'], {}, true))).toEqual([]);
  });
  it('not after its window closed', () => {
    expect(due(plan('2025-03-06T09:14:00Z', [], {}, true))).toEqual([]);
  });
  it('comes before levels due at the same time', () => {
    const shortDeadline = { expirationDateTime: '2025-03-05T00:00:00Z' };
    expect(due(plan('2025-03-04T00:00:00Z', [], shortDeadline, true))).toEqual(['contact-me', '72h', '24h']);
  });
});

describe('planExpiry once answered or expired', () => {
  it.each([
    ['Active', 'Accepted'],
    ['Closed', 'Declined'],
  ])('%s/%s: no warnings, clear pending', (status, substatus) => {
    expect(plan('2025-03-16T23:00:00Z', ['72h'], { status, substatus })).toMatchObject({
      phase: 'responded',
      due: [],
      clearPending: true,
    });
  });

  it('Expired: one expired update, no warnings, then clear', () => {
    const p = plan('2025-03-17T01:00:00Z', [], { status: 'Closed', substatus: 'Expired' }, true);
    expect(p).toMatchObject({ phase: 'expired', clearPending: true });
    expect(p.due).toEqual([{ kind: 'expired', level: 'expired', deadline: new Date('2025-03-17T00:00:00Z') }]);
    expect(due(plan('2025-03-17T02:00:00Z', ['expired'], { status: 'Closed', substatus: 'Expired' }))).toEqual([]);
  });

  it('an unknown status is left alone', () => {
    expect(plan('2025-03-16T23:00:00Z', [], { status: 'None' })).toMatchObject({
      phase: 'other',
      due: [],
      clearPending: false,
    });
  });
});
