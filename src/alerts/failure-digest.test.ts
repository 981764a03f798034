import { describe, expect, it } from 'vitest';
import {
  coveredBy,
  FAILURE_KINDS,
  nextDigest,
  parseFailureKinds,
  type DigestMemory,
  type FailureEvent,
} from './failure-digest.ts';

const now = new Date('2026-03-10T12:00:00Z');
const policy = { kinds: new Set(FAILURE_KINDS), windowMs: 15 * 60_000, maxItemsPerKind: 2 };
const empty: DigestMemory = { reported: new Set(), lastSentAt: {} };
const parked = (id: string, at = '2026-03-10T11:59:00Z'): FailureEvent => ({
  kind: 'parked',
  key: `${id}@${at}`,
  subject: id,
  detail: 'stage crm',
  at,
});
const stuck: FailureEvent = {
  kind: 'stuck',
  key: 'sync:job-1',
  subject: 'sync',
  detail: '42 min',
  at: now.toISOString(),
};

describe('nextDigest', () => {
  it('sends nothing when nothing happened', () => {
    expect(nextDigest([], empty, policy, now)).toEqual({ kind: 'nothing' });
  });

  it('sends a new parked referral at once when its kind has not posted yet', () => {
    const d = nextDigest([parked('ref-1')], empty, policy, now);
    expect(d.kind === 'send' && d.digest.sections).toEqual([{ kind: 'parked', count: 1, items: [parked('ref-1')] }]);
  });

  it('does not report a referral already reported', () => {
    const memory = { reported: new Set(['parked:ref-1@2026-03-10T11:59:00Z']), lastSentAt: {} };
    expect(nextDigest([parked('ref-1')], memory, policy, now)).toEqual({ kind: 'nothing' });
  });

  it('holds a second park inside the window until the window has passed', () => {
    const memory = { reported: new Set<string>(), lastSentAt: { parked: '2026-03-10T11:50:00Z' } };
    expect(nextDigest([parked('ref-2')], memory, policy, now)).toEqual({
      kind: 'wait',
      at: '2026-03-10T12:05:00.000Z',
    });
    const later = nextDigest([parked('ref-2')], memory, policy, new Date('2026-03-10T12:05:00Z'));
    expect(later.kind).toBe('send');
  });

  it('sends a kind that is due while another kind waits for its window', () => {
    const memory = { reported: new Set<string>(), lastSentAt: { parked: '2026-03-10T11:50:00Z' } };
    const d = nextDigest([parked('ref-2'), stuck], memory, policy, now);
    expect(d.kind === 'send' && d.digest.sections.map((s) => s.kind)).toEqual(['stuck']);
  });

  it('leaves out kinds that are turned off', () => {
    const off = { ...policy, kinds: new Set(['stuck'] as const) };
    expect(nextDigest([parked('ref-1')], empty, off, now)).toEqual({ kind: 'nothing' });
  });

  it('lists the first items per kind and counts all of them', () => {
    const events = [
      parked('c', '2026-03-10T11:03:00Z'),
      parked('a', '2026-03-10T11:01:00Z'),
      parked('b', '2026-03-10T11:02:00Z'),
    ];
    const d = nextDigest(events, empty, policy, now);
    if (d.kind !== 'send') throw new Error('expected a digest');
    expect(d.digest.sections[0]?.count).toBe(3);
    expect(d.digest.sections[0]?.items.map((i) => i.subject)).toEqual(['a', 'b']);
    expect(coveredBy(d.digest, events)).toHaveLength(3);
  });

  it('gives the same content the same idempotency key, whatever the order', () => {
    const a = nextDigest([parked('x'), stuck], empty, policy, now);
    const b = nextDigest([stuck, parked('x')], empty, policy, new Date('2026-03-10T12:00:30Z'));
    expect(a.kind === 'send' && b.kind === 'send' && a.digest.id === b.digest.id).toBe(true);
  });

  it('counts one incident once when a source lists it twice', () => {
    const d = nextDigest([parked('x'), parked('x')], empty, policy, now);
    expect(d.kind === 'send' && d.digest.sections[0]?.count).toBe(1);
  });
});

describe('parseFailureKinds', () => {
  it.each([
    ['all', [...FAILURE_KINDS], []],
    ['off', [], []],
    ['parked, stuck', ['parked', 'stuck'], []],
    ['parked,typo', ['parked'], ['typo']],
  ])('%s', (text, kinds, unknown) => {
    expect(parseFailureKinds(text)).toEqual({ kinds, unknown });
  });
});
