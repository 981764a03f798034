import { snapshotVersion, type CrmSnapshot } from '../outbound/crm-snapshot.ts';
import type { Clock } from '../ports/clock.ts';
import type { ChangeCursor, CrmKind, CrmOutbound } from '../ports/crm.ts';
import type { OutboundStore } from '../ports/outbound-store.ts';
import type { ParkingLot } from '../ports/state.ts';

export interface PollDeps {
  /** The cursor's key: the CRM kind, or `<kind>-leads` for Leads (issue 16). */
  kind: CrmKind | `${CrmKind}-leads`;
  crm: Pick<CrmOutbound, 'listChangedSince'>;
  outbound: Pick<OutboundStore, 'cursor' | 'putCursor' | 'snapshot' | 'putSnapshots'>;
  parking: Pick<ParkingLot, 'park'>;
  /** Queues one push per snapshot; resolves once they are durably queued (duplicates ignored). */
  enqueuePushes(snapshots: CrmSnapshot[]): Promise<void>;
  clock: Clock;
  /** Re-read this much before the cursor: equal or late-committed modstamps lose nothing. */
  overlapMs: number;
}

export interface PollResult {
  changed: number;
  queued: number;
  invalid: number;
}

/**
 * One outbound poll: lists the opportunities changed since the cursor, keeps the versions not
 * seen yet (the overlap re-reads some; a team-only change keeps the modstamp, so the version
 * includes the team, #15), stores them and queues a push for each, parks records that cannot be
 * read, then moves the cursor. The push re-decides from the latest snapshot.
 */
export async function pollCrmChanges(deps: PollDeps): Promise<PollResult> {
  const cursor = await deps.outbound.cursor(deps.kind);
  const page = await deps.crm.listChangedSince(cursor, deps.overlapMs);
  // One round of reads (pipelined), not one per record.
  const known = await Promise.all(page.snapshots.map((s) => deps.outbound.snapshot(s.referralId)));
  // Past the cursor means not yet confirmed queued: a poll that stored its snapshots but failed to
  // queue the pushes (the cursor stays) queues them again; the push job id dedupes the rest.
  const fresh = page.snapshots.filter((s, i) => {
    const was = known[i];
    return was === null || was === undefined || snapshotVersion(was) !== snapshotVersion(s) || pastCursor(s, cursor);
  });
  await deps.outbound.putSnapshots(fresh);
  await deps.enqueuePushes(fresh);
  const at = deps.clock.now().toISOString();
  for (const bad of page.invalid) {
    await deps.parking.park({ referralId: `crm-${bad.crmId}`, reason: bad.error, stage: 'crm-read', at });
  }
  // Only after the pushes are queued: a crash before this re-reads the page, never skips it.
  if (page.cursor) await deps.outbound.putCursor(deps.kind, page.cursor);
  return { changed: page.snapshots.length, queued: fresh.length, invalid: page.invalid.length };
}

/** (modstamp, id) after the cursor's pair, as the connectors order them. */
function pastCursor(s: CrmSnapshot, cursor: ChangeCursor | null): boolean {
  if (cursor === null) return true;
  const a = Date.parse(s.modstamp);
  const b = Date.parse(cursor.modstamp);
  return a > b || (a === b && s.crmId > cursor.id);
}
