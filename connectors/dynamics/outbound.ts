import { z } from 'zod';
import { ValidationError } from '../../src/errors.ts';
import type { Logger } from '../../src/log/logger.ts';
import type { CrmSnapshot } from '../../src/outbound/crm-snapshot.ts';
import type { OutboundRules } from '../../src/outbound/outbound-rules.ts';
import type { ChangeCursor, CrmOutbound, CrmStatusWrite } from '../../src/ports/crm.ts';
import type { DataverseHttp } from './dataverse-http.ts';
import { byId, chunkOr, isGuid, MAX_FILTER_CHARS, query } from './odata.ts';
import { salesTeams } from './sales-team.ts';
import { EXPAND_CURRENCY, FORMATTED_VALUES, snapshotColumns, toSnapshot, type SnapshotColumns } from './snapshot.ts';

export interface OutboundSettings extends SnapshotColumns {
  entitySet: string;
  rules: OutboundRules;
  /** Column the sync's `stage` is written to; null: Dataverse has none we may write (options). */
  writeStage: string | null;
}

type Pair = { at: number; id: string };
const pairOf = (c: ChangeCursor): Pair => ({ at: Date.parse(c.modstamp), id: c.id });
/** (modstamp, id) order; modstamps compare as instants, whatever their precision or offset. */
const comparePairs = (a: Pair, b: Pair): number => a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
const State = z.looseObject({ statecode: z.number().int() });

export function createDynamicsOutbound(http: DataverseHttp, s: OutboundSettings, log?: Logger): CrmOutbound {
  const select = snapshotColumns(s).join(',');
  const teams = salesTeams(http, s.fields.teamMembers);
  const opportunitiesPath = (filter: string): string =>
    `${s.entitySet}${query({ $select: select, $expand: EXPAND_CURRENCY, $filter: filter, $orderby: 'modifiedon asc,opportunityid asc' })}`;
  const checkId = (crmId: string): void => {
    if (!isGuid(crmId)) throw new ValidationError(`dynamics: '${crmId.slice(0, 40)}' is not an opportunity id`);
  };

  async function isClosed(crmId: string): Promise<boolean> {
    const r = await http.attempt({
      method: 'GET',
      path: `${byId(s.entitySet, crmId)}${query({ $select: 'statecode' })}`,
    });
    const parsed = r.ok ? State.safeParse(r.res.data) : undefined;
    return parsed?.success === true && parsed.data.statecode !== 0;
  }

  return {
    async listChangedSince(cursor, overlapMs) {
      // Dataverse stores modifiedon to the second and commits late writes with earlier stamps:
      // the overlap re-reads a window, and the caller's state makes re-reads harmless.
      const from = cursor === null ? undefined : Date.parse(cursor.modstamp) - overlapMs;
      if (from !== undefined && Number.isNaN(from))
        throw new ValidationError(
          `dynamics: cursor modstamp '${cursor?.modstamp.slice(0, 40) ?? ''}' is not a date-time`,
        );
      const since = from === undefined ? undefined : new Date(from).toISOString();
      const latest = new Map<string, CrmSnapshot>();
      const invalid = new Map<string, { crmId: string; error: string }>();
      let max: Pair | undefined = cursor ? pairOf(cursor) : undefined;
      let maxCursor: ChangeCursor | null = cursor;
      const raise = (stamp: string, id: string): void => {
        const pair = { at: Date.parse(stamp), id };
        if (Number.isNaN(pair.at) || (max !== undefined && comparePairs(pair, max) <= 0)) return;
        max = pair;
        maxCursor = { modstamp: stamp, id };
      };
      const take = (row: Record<string, unknown>): void => {
        const read = toSnapshot(row, s, s.rules);
        if (typeof row.modifiedon === 'string' && typeof row.opportunityid === 'string')
          raise(row.modifiedon, row.opportunityid);
        if (!read.ok) {
          invalid.set(read.crmId, { crmId: read.crmId, error: read.error });
          return;
        }
        // A row edited while we paged shows up again further on: keep its newest version.
        const seen = latest.get(read.snapshot.crmId);
        if (
          !seen ||
          comparePairs(
            pairOf({ modstamp: read.snapshot.modstamp, id: read.snapshot.crmId }),
            pairOf({ modstamp: seen.modstamp, id: seen.crmId }),
          ) >= 0
        ) {
          latest.set(read.snapshot.crmId, read.snapshot);
          invalid.delete(read.snapshot.crmId);
        }
      };

      const filter = `${s.alternateKey} ne null${since ? ` and modifiedon ge ${since}` : ''}`;
      for await (const page of http.pages(opportunitiesPath(filter), FORMATTED_VALUES)) page.forEach(take);

      // A Sales Team change leaves the opportunity's modifiedon alone: re-read those opportunities
      // too, and let the cursor cover the connections (or they would be re-read on every poll).
      const teamChanges = since === undefined ? [] : await teams.changedSince(since);
      const teamOnly = [...new Set(teamChanges.map((c) => c.opportunityId))].filter(
        (id) => !latest.has(id) && !invalid.has(id),
      );
      for (const ids of chunkOr(
        teamOnly.map((id) => `opportunityid eq ${id}`),
        MAX_FILTER_CHARS,
      )) {
        for await (const page of http.pages(
          opportunitiesPath(`${s.alternateKey} ne null and (${ids})`),
          FORMATTED_VALUES,
        ))
          page.forEach(take);
      }
      for (const c of teamChanges) raise(new Date(c.at).toISOString(), c.opportunityId);

      const teamOf = await teams.read([...latest.keys()]);
      const snapshots = [...latest.values()]
        .map((snap) => ({ ...snap, teamContacts: teamOf.get(snap.crmId.toLowerCase()) ?? [] }))
        .sort((a, b) =>
          comparePairs(pairOf({ modstamp: a.modstamp, id: a.crmId }), pairOf({ modstamp: b.modstamp, id: b.crmId })),
        );
      return { snapshots, invalid: [...invalid.values()].filter((i) => !latest.has(i.crmId)), cursor: maxCursor };
    },

    async getSnapshot(crmId) {
      checkId(crmId);
      const r = await http.attempt({
        method: 'GET',
        path: `${byId(s.entitySet, crmId)}${query({ $select: select, $expand: EXPAND_CURRENCY })}`,
        headers: { Prefer: FORMATTED_VALUES },
      });
      if (!r.ok) {
        if (r.failure.status === 404) return null;
        throw r.error;
      }
      const row = typeof r.res.data === 'object' && r.res.data !== null ? (r.res.data as Record<string, unknown>) : {};
      const read = toSnapshot(row, s, s.rules);
      if (!read.ok)
        throw new ValidationError(`dynamics opportunity ${crmId} cannot be read as a snapshot: ${read.error}`);
      const team = (await teams.read([crmId])).get(crmId.toLowerCase()) ?? [];
      return { ...read.snapshot, teamContacts: team };
    },

    async writeStatus(crmId, write: CrmStatusWrite) {
      checkId(crmId);
      const body: Record<string, unknown> = {};
      if (write.message !== undefined) body[s.fields.message] = write.message;
      if (write.stage !== undefined) {
        if (s.writeStage !== null) body[s.writeStage] = write.stage;
        else log?.debug({ crmId }, 'dynamics: no stage column to write (stageColumns.write is null); stage skipped');
      }
      if (Object.keys(body).length === 0) return;
      // If-Match: * makes the PATCH update-only: it must not re-create a deleted opportunity.
      const r = await http.attempt({
        method: 'PATCH',
        path: byId(s.entitySet, crmId),
        body,
        headers: { 'If-Match': '*' },
      });
      if (r.ok) return;
      // Won/Lost rows are read-only, yet the seller still needs to read why a decision was held or
      // refused (e.g. a Won inside the 72 h deal-registration window): a note on the opportunity
      // carries it instead. Notes can be added to closed records.
      if (r.error instanceof ValidationError && (await isClosed(crmId))) {
        if (typeof write.message === 'string') {
          await http.call({
            method: 'POST',
            path: 'annotations',
            body: {
              subject: 'referral-sync',
              notetext: write.message,
              'objectid_opportunity@odata.bind': `/${s.entitySet}(${crmId})`,
            },
          });
          log?.info({ crmId }, 'dynamics: opportunity is closed (read-only); sync message added as a note');
        }
        return;
      }
      throw r.error;
    },
  };
}
