import { describe, expect, it } from 'vitest';
import type { CrmSnapshot } from '../outbound/crm-snapshot.ts';
import { snapshot } from '../outbound/outbound.fixtures.ts';
import type { ChangeCursor } from '../ports/crm.ts';
import type { ParkedReferral } from '../ports/state.ts';
import { pollCrmChanges } from './poll-crm-changes.ts';

/* The outbound poll against in-memory ports: what it queues, stores and parks, and when the cursor moves. */
function world(
  page: { snapshots: CrmSnapshot[]; invalid?: { crmId: string; error: string }[]; cursor: ChangeCursor | null },
  stored: CrmSnapshot[] = [],
  start: ChangeCursor | null = null,
) {
  const snaps = new Map(stored.map((s) => [s.referralId, s]));
  let cursor: ChangeCursor | null = start;
  const queued: string[] = [];
  const parked: ParkedReferral[] = [];
  let failEnqueue = false;
  const run = () =>
    pollCrmChanges({
      kind: 'salesforce',
      crm: {
        listChangedSince: async () => ({ snapshots: page.snapshots, invalid: page.invalid ?? [], cursor: page.cursor }),
      },
      outbound: {
        cursor: async () => cursor,
        putCursor: async (_k, c) => void (cursor = c),
        snapshot: async (id) => snaps.get(id) ?? null,
        putSnapshots: async (ss) => void ss.forEach((s) => snaps.set(s.referralId, s)),
      },
      parking: { park: async (p) => void parked.push(p) },
      enqueuePushes: async (ss) => {
        if (failEnqueue) throw new Error('Redis down');
        queued.push(...ss.map((s) => s.referralId));
      },
      clock: { now: () => new Date('2030-01-01T00:00:00Z') },
      overlapMs: 60_000,
    });
  return { run, queued, parked, cursor: () => cursor, failEnqueue: (on: boolean) => void (failEnqueue = on) };
}

const at = { modstamp: '2030-01-01T00:00:10Z', id: 'opp-2' };

describe('pollCrmChanges', () => {
  it('queues new versions only: the overlap re-reads a seen one (before the cursor) and adds nothing', async () => {
    const seen = snapshot({ referralId: 'r1', crmId: 'opp-1', modstamp: '2030-01-01T00:00:05Z' });
    const w = world(
      {
        snapshots: [seen, snapshot({ referralId: 'r2', crmId: 'opp-2', modstamp: '2030-01-01T00:00:10Z' })],
        cursor: at,
      },
      [seen],
      at,
    );
    expect(await w.run()).toEqual({ changed: 2, queued: 1, invalid: 0 });
    expect(w.queued).toEqual(['r2']);
    expect(w.cursor()).toEqual(at);
  });

  it('queues a team-only change although the modstamp is the same (#15)', async () => {
    const before = snapshot({ referralId: 'r1', modstamp: '2030-01-01T00:00:05Z' });
    const after = { ...before, teamContacts: [{ firstName: 'Ana', lastName: 'Ruiz', email: 'ana@example.com' }] };
    const w = world({ snapshots: [after], cursor: at }, [before], at);
    await w.run();
    expect(w.queued).toEqual(['r1']);
  });

  it('parks a record that cannot be read, naming it, and still moves on', async () => {
    const w = world({
      snapshots: [],
      invalid: [{ crmId: 'opp-9', error: 'Referral_Decision__c: unknown value' }],
      cursor: at,
    });
    expect(await w.run()).toEqual({ changed: 0, queued: 0, invalid: 1 });
    expect(w.parked).toEqual([
      expect.objectContaining({
        referralId: 'crm-opp-9',
        stage: 'crm-read',
        reason: 'Referral_Decision__c: unknown value',
      }),
    ]);
    expect(w.cursor()).toEqual(at);
  });

  it('keeps the cursor when the pushes could not be queued, and the next poll queues them', async () => {
    const w = world({ snapshots: [snapshot({ referralId: 'r3' })], cursor: at });
    w.failEnqueue(true);
    await expect(w.run()).rejects.toThrow('Redis down');
    expect(w.cursor()).toBeNull();
    // The snapshot was stored before the failure; it must not count as pushed.
    w.failEnqueue(false);
    await w.run();
    expect(w.queued).toEqual(['r3']);
    expect(w.cursor()).toEqual(at);
  });
});
