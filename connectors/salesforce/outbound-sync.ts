import { z } from 'zod';
import { FatalError, ValidationError } from '../../src/errors.ts';
import type { CrmSnapshot } from '../../src/outbound/crm-snapshot.ts';
import type { ChangeCursor, CrmOutbound, CrmStatusWrite, FieldValue } from '../../src/ports/crm.ts';
import type { OpportunityTeams } from './opportunity-team.ts';
import { selectFields, toSnapshot, type OutboundReadSettings } from './outbound-snapshot.ts';
import type { SalesforceOptions } from './salesforce-options.ts';
import { parseResponse, type SalesforceSession } from './salesforce-session.ts';
import { queryAll, updateById } from './sobject-writes.ts';
import { RECORD_ID, soqlDateTime, soqlString } from './soql.ts';

type ChangedSince = Awaited<ReturnType<CrmOutbound['listChangedSince']>>;

/** Error codes meaning the record is gone (deleted, or in the recycle bin). */
const GONE = new Set(['NOT_FOUND', 'ENTITY_IS_DELETED']);
const Row = z.looseObject({ Id: z.string() });
/** Opportunity ids per `Id IN (…)` query (well under the URI length limit). */
const MAX_IDS = 200;

/** A (SystemModstamp, Id) pair with the stamp as epoch ms, for ordering. */
interface Pair {
  ms: number;
  id: string;
}

const comparePairs = (a: Pair, b: Pair): number => a.ms - b.ms || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

function pairOf(row: Readonly<Record<string, unknown>>): Pair | undefined {
  const stamp = row.SystemModstamp;
  const ms = typeof stamp === 'string' ? Date.parse(stamp) : Number.NaN;
  return typeof row.Id === 'string' && !Number.isNaN(ms) ? { ms, id: row.Id } : undefined;
}

type Keyed = { row: Readonly<Record<string, unknown>>; pair: Pair | undefined };

/**
 * Pure: one row per Id, the latest (SystemModstamp, Id) version winning, in pair order. Rows
 * without a readable pair stay (toSnapshot reports them) at the end.
 */
export function latestById(rows: readonly Readonly<Record<string, unknown>>[]): Keyed[] {
  const latest = new Map<string, { row: Readonly<Record<string, unknown>>; pair: Pair }>();
  const unkeyed: Keyed[] = [];
  for (const row of rows) {
    const pair = pairOf(row);
    if (!pair) {
      unkeyed.push({ row, pair });
      continue;
    }
    const seen = latest.get(pair.id)?.pair;
    if (!seen || comparePairs(pair, seen) >= 0) latest.set(pair.id, { row, pair });
  }
  const keyed = [...latest.values()].sort((a, b) => comparePairs(a.pair, b.pair));
  return [...keyed, ...unkeyed];
}

/** Pure: the polling query. `since` null reads every opportunity that carries a referral id. */
export function changedSinceSoql(s: OutboundReadSettings, since: Date | null): string {
  const where = [`${s.externalIdField} != null`];
  if (since) where.push(`SystemModstamp >= ${soqlDateTime(since)}`);
  return `SELECT ${selectFields(s).join(', ')} FROM ${s.objectName} WHERE ${where.join(' AND ')} ORDER BY SystemModstamp, Id`;
}

/** Pure: the polled opportunities among `ids` (team-only changes), for one query of at most 200 ids. */
function byIdsSoql(s: OutboundReadSettings, ids: readonly string[]): string {
  return `SELECT ${selectFields(s).join(', ')} FROM ${s.objectName} WHERE ${s.externalIdField} != null AND Id IN (${ids.map(soqlString).join(', ')})`;
}

/** Whether the Opportunity Team is read: asked for in the mapping, and only the standard object has one. */
export const readsTeams = (o: SalesforceOptions): boolean =>
  o.outbound?.fields.teamMembers === true && o.objectName.toLowerCase() === 'opportunity';

/** The read settings, or FatalError when the mapping file has no outbound section for us. */
export function outboundSettings(o: SalesforceOptions): OutboundReadSettings {
  if (!o.outbound)
    throw new FatalError('salesforce: outbound sync is not configured (connector option `outbound` is missing)');
  return {
    objectName: o.objectName,
    externalIdField: o.externalIdField,
    fields: o.outbound.fields,
    rules: o.outbound.rules,
  };
}

/**
 * Polls opportunities changed since `cursor.modstamp - overlapMs` (docs/salesforce-api.md, "Polling for changes"):
 * every page is
 * followed, rows are de-duplicated by Id (the latest version wins) and returned in
 * (SystemModstamp, Id) order. The new cursor is the greatest pair seen, invalid rows included
 * (they would otherwise be re-read forever), and never goes below the input cursor.
 */
export async function listChangedSince(
  session: SalesforceSession,
  s: OutboundReadSettings,
  teams: OpportunityTeams,
  cursor: ChangeCursor | null,
  overlapMs: number,
): Promise<ChangedSince> {
  if (!Number.isFinite(overlapMs) || overlapMs < 0)
    throw new FatalError('salesforce listChangedSince: overlapMs must be a non-negative number');
  const cursorMs = cursor === null ? null : Date.parse(cursor.modstamp);
  if (cursorMs !== null && Number.isNaN(cursorMs))
    throw new FatalError('salesforce listChangedSince: the cursor modstamp is not an ISO 8601 date-time');

  const since = cursorMs === null ? null : new Date(cursorMs - overlapMs);
  const rows = await queryAll(session, changedSinceSoql(s, since), { object: s.objectName });
  // A team change leaves the Opportunity's SystemModstamp alone: re-read those opportunities too.
  // The first poll (no cursor) reads every opportunity anyway.
  const teamChanges = since === null ? [] : await teams.changedSince(since);
  const polled = new Set(rows.map((r) => r.Id));
  const teamOnly = [...new Set(teamChanges.map((c) => c.opportunityId))].filter((id) => !polled.has(id));
  for (let i = 0; i < teamOnly.length; i += MAX_IDS) {
    rows.push(...(await queryAll(session, byIdsSoql(s, teamOnly.slice(i, i + MAX_IDS)), { object: s.objectName })));
  }

  const latest = latestById(rows);
  const teamOf = await teams.read(latest.flatMap(({ pair }) => (pair ? [pair.id] : [])));
  const snapshots: CrmSnapshot[] = [];
  const invalid: ChangedSince['invalid'] = [];
  let top: Pair | undefined = cursor && cursorMs !== null ? { ms: cursorMs, id: cursor.id } : undefined;
  const raise = (pair: Pair | undefined): void => {
    if (pair && (!top || comparePairs(pair, top) > 0)) top = pair;
  };
  for (const { row, pair } of latest) {
    const read = toSnapshot(row, s, pair ? (teamOf.get(pair.id) ?? []) : []);
    if (read.ok) snapshots.push(read.snapshot);
    else invalid.push({ crmId: read.crmId, error: read.error });
    raise(pair);
  }
  // The cursor covers team rows too, or they would be re-read on every poll until the opportunity changes.
  for (const c of teamChanges) raise({ ms: c.ms, id: c.opportunityId });
  const unchanged = top !== undefined && cursor !== null && top.ms === cursorMs && top.id === cursor.id;
  return {
    snapshots,
    invalid,
    cursor: unchanged || !top ? cursor : { modstamp: new Date(top.ms).toISOString(), id: top.id },
  };
}

/** One opportunity by Id (`GET /sobjects/<object>/<id>?fields=…`); null when deleted or unknown. */
export async function getSnapshot(
  session: SalesforceSession,
  s: OutboundReadSettings,
  teams: OpportunityTeams,
  crmId: string,
): Promise<CrmSnapshot | null> {
  if (!RECORD_ID.test(crmId))
    throw new ValidationError(`salesforce getSnapshot: '${crmId.slice(0, 40)}' is not a Salesforce record id`);
  const url = `/sobjects/${s.objectName}/${crmId}?fields=${selectFields(s).join(',')}`;
  const r = await session.attempt({ method: 'GET', url });
  if (!r.ok) {
    if (r.failure.kind === 'api' && r.failure.code !== undefined && GONE.has(r.failure.code)) return null;
    throw session.toError(r.failure, { object: s.objectName });
  }
  const team = (await teams.read([crmId])).get(crmId) ?? [];
  const read = toSnapshot(parseResponse(Row, r.body, `${s.objectName} read`), s, team);
  if (!read.ok) throw new FatalError(read.error);
  return read.snapshot;
}

/** One `PATCH /sobjects/<object>/<id>` of StageName and/or the message field; nothing to write: no call. */
export async function writeStatus(
  session: SalesforceSession,
  s: OutboundReadSettings,
  crmId: string,
  write: CrmStatusWrite,
): Promise<void> {
  if (!RECORD_ID.test(crmId))
    throw new ValidationError(`salesforce writeStatus: '${crmId.slice(0, 40)}' is not a Salesforce record id`);
  const body: Record<string, FieldValue> = {};
  if (write.stage !== undefined) body.StageName = write.stage;
  if (write.message !== undefined) body[s.fields.message] = write.message;
  if (Object.keys(body).length === 0) return;
  await updateById(session, s.objectName, crmId, body, { object: s.objectName });
}
