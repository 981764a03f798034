import { randomUUID } from 'node:crypto';
import { RetryableError, type SyncError, ValidationError } from '../../src/errors.ts';
import { buildBatch, parseBatchResponse, type BatchResponse } from './batch-multipart.ts';
import { classifyDataverseError, isRecordLevel, readDataverseError, REMOTE } from './classify-dataverse-error.ts';
import type { DataverseHttp } from './dataverse-http.ts';
import { byKey, isGuid, query } from './odata.ts';

interface KeyedTable {
  entitySet: string;
  /** Alternate key column the rows are upserted on. */
  keyColumn: string;
  /** Primary id column, asked back with `$select` (opportunityid, accountid). */
  idColumn: string;
}

export interface KeyedRow {
  table: KeyedTable;
  /** Alternate key value; already checked with keyValueProblem(). */
  key: string;
  /**
   * Columns to write; the key column is left out (the URL carries it, docs/dataverse-api.md, "Upsert by alternate
   * key").
   */
  body: Record<string, unknown>;
  /** The referral the row is for, named in errors. */
  referralId?: string | undefined;
}

export type RowOutcome =
  { ok: true; id: string; created: boolean } | { ok: false; error: SyncError; status: number | undefined };

/** `return=representation` turns the upsert's 204 into 201 (created) or 200 (updated) with the id. */
const RETURN_ID = { Prefer: 'return=representation' };

/**
 * Upserts rows, of one table or several, by alternate key: one row -> one PATCH, several ->
 * `$batch` (one change set per row, `odata.continue-on-error`), `maxBatch` rows per batch, in
 * the order given. Dataverse runs a batch's change sets one after another, so a row may bind
 * (by alternate key) to a row earlier in the same or an earlier batch. Outcomes in input order;
 * a row's own failure (validation, key race) stays in its outcome, a failure of the call is thrown.
 */
export async function upsertByKey(http: DataverseHttp, maxBatch: number, rows: KeyedRow[]): Promise<RowOutcome[]> {
  const path = (r: KeyedRow): string =>
    `${byKey(r.table.entitySet, r.table.keyColumn, r.key)}${query({ $select: r.table.idColumn })}`;
  const only = rows[0];
  if (rows.length === 1 && only) {
    const r = await http.attempt(
      { method: 'PATCH', path: path(only), body: only.body, headers: RETURN_ID },
      only.referralId,
    );
    if (r.ok) return [outcomeOf(r.res.status, r.res.headers, r.res.data, only.table.idColumn)];
    if (!isRecordLevel(r.error, r.failure.status)) throw r.error;
    return [{ ok: false, error: r.error, status: r.failure.status }];
  }
  const out: RowOutcome[] = [];
  for (let i = 0; i < rows.length; i += maxBatch) {
    const chunk = rows.slice(i, i + maxBatch);
    const batch = buildBatch(
      chunk.map((r) => ({ method: 'PATCH', url: `${http.serviceRoot}${path(r)}`, headers: RETURN_ID, body: r.body })),
      randomUUID(),
    );
    const res = await http.call({
      method: 'POST',
      path: '$batch',
      body: batch.body,
      text: true,
      // Without continue-on-error Dataverse stops at the first failed change set.
      headers: { 'Content-Type': batch.contentType, Prefer: 'odata.continue-on-error' },
    });
    let parts: BatchResponse[][];
    try {
      parts = parseBatchResponse(res.headers['content-type'], typeof res.data === 'string' ? res.data : '');
    } catch (err) {
      throw new ValidationError(`dynamics $batch response: ${err instanceof Error ? err.message : 'unreadable'}`);
    }
    chunk.forEach((row, j) => {
      const answer = parts[j]?.at(-1);
      if (!answer) {
        out.push({
          ok: false,
          status: undefined,
          error: new RetryableError(
            `dynamics $batch: no answer for ${row.table.entitySet} row${row.referralId ? ` (referral ${row.referralId})` : ''}; the batch stopped early`,
          ),
        });
        return;
      }
      out.push(
        answer.status < 300
          ? outcomeOf(answer.status, answer.headers, answer.body, row.table.idColumn)
          : failedPart(answer, row),
      );
    });
  }
  return out;
}

function failedPart(answer: BatchResponse, row: KeyedRow): RowOutcome {
  const remote = readDataverseError(answer.body);
  const error = classifyDataverseError({
    remote: REMOTE,
    status: answer.status,
    retryAfter: answer.headers['retry-after'],
    remoteCode: remote.code,
    remoteMessage: remote.message,
    referralId: row.referralId,
  });
  return { ok: false, error, status: answer.status };
}

const ENTITY_ID = /\(([0-9a-fA-F-]{36})\)\s*$/;

/** 201/200 with the id in the body; a 204 (Prefer dropped on the way) names it in OData-EntityId. */
function outcomeOf(status: number, headers: Record<string, string>, data: unknown, idColumn: string): RowOutcome {
  let body = data;
  if (typeof body === 'string' && body.trim() !== '') {
    try {
      body = JSON.parse(body) as unknown;
    } catch {
      body = undefined;
    }
  }
  const fromBody = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[idColumn] : undefined;
  const id = typeof fromBody === 'string' ? fromBody : ENTITY_ID.exec(headers['odata-entityid'] ?? '')?.[1];
  if (id === undefined || !isGuid(id)) {
    return {
      ok: false,
      status,
      error: new ValidationError(`dynamics: the upsert answered ${status} without a ${idColumn}`),
    };
  }
  return { ok: true, id: id.toLowerCase(), created: status === 201 };
}
