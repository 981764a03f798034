import { z } from 'zod';
import { ValidationError } from '../../src/errors.ts';
import type { Logger } from '../../src/log/logger.ts';
import type { CrmSnapshot } from '../../src/outbound/crm-snapshot.ts';
import type { OutboundRules } from '../../src/outbound/outbound-rules.ts';
import type { ChangeCursor, CrmOutbound, CrmStatusWrite } from '../../src/ports/crm.ts';
import type { DataverseHttp } from './dataverse-http.ts';
import { byId, isGuid, query } from './odata.ts';
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
  const checkId = (crmId: string): void => {
    if (!isGuid(crmId)) throw new ValidationError(`dynamics: '${crmId.slice(0, 40)}' is not an opportunity id`);
  };

  async function isClosed(crmId: string): Promise<boolean> {
    const r = await http.attempt({ method: 'GET', path: `${byId(s.entitySet, crmId)}${query({ $select: 'statecode' })}` });
    const parsed = r.ok ? State.safeParse(r.res.data) : undefined;
    return parsed?.success === true && parsed.data.statecode !== 0;
  }

  return {
    async listChangedSince(cursor, overlapMs) {
      // Dataverse stores modifiedon to the second and commits late writes with earlier stamps:
      // the overlap re-reads a window, and the caller's state makes re-reads harmless.
      const from = cursor === null ? undefined : Date.parse(cursor.modstamp) - overlapMs;
      if (from !== undefined && Number.isNaN(from)) throw new ValidationError(`dynamics: cursor modstamp '${cursor?.modstamp.slice(0, 40) ?? ''}' is not a date-time`);
      const since = from === undefined ? undefined : new Date(from).toISOString();
      const filter = `${s.alternateKey} ne null${since ? ` and modifiedon ge ${since}` : ''}`;
      const path = `${s.entitySet}${query({ $select: select, $expand: EXPAND_CURRENCY, $filter: filter, $orderby: 'modifiedon asc,opportunityid asc' })}`;
      const latest = new Map<string, CrmSnapshot>();
      const invalid = new Map<string, { crmId: string; error: string }>();
      let max: Pair | undefined = cursor ? pairOf(cursor) : undefined;
      let maxCursor: ChangeCursor | null = cursor;
      for await (const page of http.pages(path, FORMATTED_VALUES)) {
        for (const row of page) {
          const read = toSnapshot(row, s, s.rules);
          const stamp = typeof row.modifiedon === 'string' ? row.modifiedon : undefined;
          const id = typeof row.opportunityid === 'string' ? row.opportunityid : undefined;
          if (stamp !== undefined && id !== undefined && !Number.isNaN(Date.parse(stamp))) {
            const pair = { at: Date.parse(stamp), id };
            if (max === undefined || comparePairs(pair, max) > 0) {
              max = pair;
              maxCursor = { modstamp: stamp, id };
            }
          }
          if (!read.ok) {
            invalid.set(read.crmId, { crmId: read.crmId, error: read.error });
            continue;
          }
          // A row edited while we paged shows up again further on: keep its newest version.
          const seen = latest.get(read.snapshot.crmId);
          if (!seen || comparePairs(pairOf({ modstamp: read.snapshot.modstamp, id: read.snapshot.crmId }), pairOf({ modstamp: seen.modstamp, id: seen.crmId })) >= 0) {
            latest.set(read.snapshot.crmId, read.snapshot);
            invalid.delete(read.snapshot.crmId);
          }
        }
      }
      const snapshots = [...latest.values()].sort((a, b) => comparePairs(pairOf({ modstamp: a.modstamp, id: a.crmId }), pairOf({ modstamp: b.modstamp, id: b.crmId })));
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
      if (!read.ok) throw new ValidationError(`dynamics opportunity ${crmId} cannot be read as a snapshot: ${read.error}`);
      return read.snapshot;
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
      const r = await http.attempt({ method: 'PATCH', path: byId(s.entitySet, crmId), body, headers: { 'If-Match': '*' } });
      if (r.ok) return;
      // Won/Lost rows are read-only, yet the seller still needs to read why a decision was held or
      // refused (e.g. a Won inside the 72 h deal-registration window): a note on the opportunity
      // carries it instead. Notes can be added to closed records.
      if (r.error instanceof ValidationError && (await isClosed(crmId))) {
        if (typeof write.message === 'string') {
          await http.call({
            method: 'POST',
            path: 'annotations',
            body: { subject: 'referral-sync', notetext: write.message, 'objectid_opportunity@odata.bind': `/${s.entitySet}(${crmId})` },
          });
          log?.info({ crmId }, 'dynamics: opportunity is closed (read-only); sync message added as a note');
        }
        return;
      }
      throw r.error;
    },
  };
}
