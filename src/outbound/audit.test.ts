import { describe, expect, it } from 'vitest';
import { AuditEntry, auditOf, formatHistory } from './audit.ts';
import type { OutboundDecision } from './outbound-decision.ts';
import { active, referral } from './outbound.fixtures.ts';

const at = new Date('2025-03-04T10:00:00.123Z');

const push = (intent: 'accept' | 'edit', paths: string[], to: string): OutboundDecision => ({
  kind: 'push',
  intent,
  ops: paths.map((path) => ({ op: 'add', path, value: 1 })),
  eTag: '"e1"',
  priority: intent === 'edit' ? 'edit' : 'decision',
  pushedValues: {},
  from: 'New/Pending',
  to,
});

const rows: [string, OutboundDecision, Record<string, unknown> | null][] = [
  ['none', { kind: 'none' }, null],
  [
    'push accept',
    push('accept', ['/status', '/substatus'], 'Active/Accepted'),
    { action: 'accept', from: 'New/Pending', to: 'Active/Accepted', result: 'pushed' },
  ],
  [
    'push edit',
    push('edit', ['/details/dealValue', '/team/-', '/team/-'], 'New/Pending'),
    { action: 'edit (dealValue, team)', result: 'pushed' },
  ],
  [
    'refuse',
    { kind: 'refuse', intent: 'accept', reason: 'accept needs closingDateTime', showOnOpportunity: true, seen: {} },
    {
      action: 'accept',
      from: 'New/Pending',
      to: 'New/Pending',
      result: 'refused',
      reason: 'accept needs closingDateTime',
    },
  ],
  [
    'hold',
    { kind: 'hold', intent: 'won', until: at, reason: 'held' },
    { action: 'won', result: 'held', reason: 'held' },
  ],
];

describe('auditOf', () => {
  it.each(rows)('%s', (_name, decision, expected) => {
    const entry = auditOf(decision, at, referral());
    if (expected === null) return expect(entry).toBeNull();
    expect(entry).toMatchObject({ at: '2025-03-04T10:00:00.123Z', referralId: 'ref-1', side: 'crm', ...expected });
    expect(AuditEntry.safeParse(entry).success).toBe(true);
  });
});

describe('formatHistory', () => {
  it('prints one aligned line per entry, oldest first', () => {
    const entries: AuditEntry[] = [
      {
        at: '2025-03-08T09:00:00.000Z',
        referralId: 'ref-1',
        side: 'crm',
        action: 'won',
        from: 'Active/Accepted',
        to: 'Closed/Won',
        result: 'pushed',
      },
      {
        at: '2025-03-04T10:00:00.000Z',
        referralId: 'ref-1',
        side: 'crm',
        action: 'accept',
        from: 'New/Pending',
        to: 'New/Pending',
        result: 'refused',
        reason: 'accept needs closingDateTime (CloseDate)',
      },
      {
        at: '2025-03-05T10:00:00.000Z',
        referralId: 'ref-1',
        side: 'partner-center',
        action: 'expired',
        from: 'New/Pending',
        to: 'Closed/Expired',
        result: 'conflict',
      },
    ];
    expect(formatHistory(entries).split('\n')).toEqual([
      '2025-03-04T10:00:00Z  crm             refused   accept   New/Pending -> New/Pending     accept needs closingDateTime (CloseDate)',
      '2025-03-05T10:00:00Z  partner-center  conflict  expired  New/Pending -> Closed/Expired',
      '2025-03-08T09:00:00Z  crm             pushed    won      Active/Accepted -> Closed/Won',
    ]);
  });

  it('says so when there is nothing', () => {
    expect(formatHistory([])).toBe('(no history)');
  });

  it('formats an entry built from a decision', () => {
    const entry = auditOf({ kind: 'hold', intent: 'won', until: at, reason: 'held' }, at, active());
    expect(formatHistory(entry ? [entry] : [])).toBe(
      '2025-03-04T10:00:00Z  crm  held  won  Active/Accepted -> Active/Accepted  held',
    );
  });
});
