import { z } from 'zod';
import { FatalError } from '../../src/errors.ts';
import type { FieldValue } from '../../src/ports/crm.ts';
import { classifyRecordError, type ErrorContext } from './classify-salesforce-error.ts';
import { parseResponse, type SalesforceSession } from './salesforce-session.ts';
import {
  jsonHeaders,
  MAX_COLLECTION,
  SaveResults,
  toOutcome,
  type SfFields,
  type WriteOutcome,
} from './sobject-writes.ts';

/** A record body: fields, plus relationship references by a parent's external id. */
export type SfRecordBody = Record<string, FieldValue | SfFields>;

/** One sObject Collections upsert, sent as a subrequest of a Composite call. */
export interface CollectionUpsert {
  object: string;
  extField: string;
  /** At most 200; each carries `extField`. */
  records: SfRecordBody[];
  contextOf: (i: number) => ErrorContext;
}

/** Composite takes at most 25 subrequests, of which at most 5 collections or queries. */
const MAX_COMPOSITE_COLLECTIONS = 5;

const SubResult = z.looseObject({
  body: z.unknown(),
  httpStatusCode: z.number(),
  referenceId: z.string().nullish(),
});
const CompositeResult = z.looseObject({ compositeResponse: z.array(SubResult) });

/**
 * Several collection upserts in ONE API call: `POST /composite` (allOrNone false) with one
 * `PATCH /composite/sobjects/<object>/<extField>` subrequest per entry, run in order (REST API
 * guide: Composite accepts sObject Collections subrequests from API 43.0; 25 subrequests, at most
 * 5 collections; the whole request counts as one call). No subrequest references another with
 * `@{…}`, so a failed one does not stop the next. Later subrequests may refer to records of
 * earlier ones by external id (`"Account": { "<keyField>": "<key>" }`).
 *
 * Returns per entry one outcome per record, in input order. A subrequest that fails as a whole
 * fails each of its records with its error; a failure of the whole call throws.
 */
export async function upsertCollectionsInOneCall(
  session: SalesforceSession,
  entries: CollectionUpsert[],
): Promise<WriteOutcome[][]> {
  if (entries.length === 0) return [];
  if (entries.length > MAX_COMPOSITE_COLLECTIONS)
    throw new FatalError(`salesforce composite: ${entries.length} collections (at most ${MAX_COMPOSITE_COLLECTIONS})`);
  const base = `/services/data/v${session.apiVersion}`;
  const compositeRequest = entries.map((e, n) => {
    if (e.records.length > MAX_COLLECTION)
      throw new FatalError(`salesforce composite: ${e.records.length} ${e.object} records (at most ${MAX_COLLECTION})`);
    return {
      method: 'PATCH',
      url: `${base}/composite/sobjects/${e.object}/${e.extField}`,
      referenceId: `upsert${n}${e.object.replace(/[^A-Za-z0-9]/g, '')}`,
      body: { allOrNone: false, records: e.records.map((rec) => ({ attributes: { type: e.object }, ...rec })) },
    };
  });
  const body = JSON.stringify({ allOrNone: false, compositeRequest });
  const what = entries.map((e) => e.object).join('+');
  const raw = await session.call({ method: 'POST', url: '/composite', body, headers: jsonHeaders() }, { object: what });
  const results = parseResponse(CompositeResult, raw, `${what} composite upsert`).compositeResponse;
  return entries.map((e, n) => {
    const referenceId = compositeRequest[n]?.referenceId;
    const sub =
      results.find((r) => r.referenceId === referenceId) ??
      (results.length === entries.length ? results[n] : undefined);
    if (!sub) throw new FatalError(`salesforce composite: no result for the ${e.object} upsert`);
    return subOutcomes(e, sub);
  });
}

function subOutcomes(e: CollectionUpsert, sub: z.infer<typeof SubResult>): WriteOutcome[] {
  if (sub.httpStatusCode >= 200 && sub.httpStatusCode < 300) {
    const saved = parseResponse(SaveResults, sub.body, `${e.object} collection upsert (composite)`);
    if (saved.length !== e.records.length)
      throw new FatalError(
        `salesforce ${e.object} collection upsert (composite): ${saved.length} results for ${e.records.length} records`,
      );
    return saved.map((r, i) => toOutcome(r, e.contextOf(i)));
  }
  // A rejected subrequest answers an error array, like a REST call on its own.
  const item: unknown = Array.isArray(sub.body) ? sub.body[0] : sub.body;
  const error = item ?? {
    errorCode: `ERROR_HTTP_${sub.httpStatusCode}`,
    message: `subrequest answered HTTP ${sub.httpStatusCode}`,
  };
  return e.records.map((_, i) => ({ ok: false, error: classifyRecordError(error, e.contextOf(i)) }));
}
