import { z } from 'zod';
import { FatalError, type SyncError } from '../../src/errors.ts';
import type { FieldValue } from '../../src/ports/crm.ts';
import {
  classifyRecordError,
  errorFromCode,
  isRecordLevelCode,
  type ErrorContext,
} from './classify-salesforce-error.ts';
import { parseResponse, type SalesforceSession } from './salesforce-session.ts';
import { soqlString } from './soql.ts';

export type SfFields = Record<string, FieldValue>;
export type WriteOutcome = { ok: true; id: string; created: boolean } | { ok: false; error: SyncError };

/** sObject Collections take at most 200 records per call. */
export const MAX_COLLECTION = 200;

const SaveResult = z.looseObject({
  id: z.string().nullish(),
  success: z.boolean(),
  created: z.boolean().optional(),
  errors: z.array(z.unknown()).nullish(),
});
export const SaveResults = z.array(SaveResult);
const Row = z.looseObject({ Id: z.string().optional() });
export type SfRow = z.infer<typeof Row>;
const QueryPage = z.looseObject({
  done: z.boolean(),
  nextRecordsUrl: z.string().nullish(),
  records: z.array(Row),
});

/** A fresh object per request: jsforce writes Authorization and content-length into it. */
export const jsonHeaders = (): Record<string, string> => ({ 'content-type': 'application/json' });

/** `PATCH /sobjects/<object>/<id>`: an update by record Id (a deleted record answers NOT_FOUND, never re-created). */
export async function updateById(
  session: SalesforceSession,
  object: string,
  id: string,
  body: Record<string, unknown>,
  ctx: ErrorContext,
): Promise<void> {
  await session.call(
    { method: 'PATCH', url: `/sobjects/${object}/${id}`, body: JSON.stringify(body), headers: jsonHeaders() },
    ctx,
  );
}
/** Marks jsforce's answer to 204 No Content (an upsert that updated, before API 46). */
const NO_CONTENT = Object.freeze({ noContent: true });

export function toOutcome(r: z.infer<typeof SaveResult>, ctx: ErrorContext): WriteOutcome {
  if (r.success && r.id) return { ok: true, id: r.id, created: r.created === true };
  if (r.success)
    return { ok: false, error: new FatalError(`salesforce ${ctx.object ?? ''} save result without an id`) };
  const first = r.errors?.[0];
  return { ok: false, error: classifyRecordError(first ?? { message: 'failed without an error' }, ctx) };
}

/**
 * `PATCH /sobjects/<object>/<extField>/<value>`. Record-level rejections (validation, row lock,
 * duplicate race) come back as a failed outcome; whole-call failures are thrown.
 */
export async function upsertSingle(
  session: SalesforceSession,
  object: string,
  extField: string,
  extValue: string,
  fields: SfFields,
  ctx: ErrorContext,
): Promise<WriteOutcome> {
  const { [extField]: _ignored, ...body } = fields;
  const url = `/sobjects/${object}/${extField}/${encodeURIComponent(extValue)}`;
  const r = await session.attempt(
    { method: 'PATCH', url, body: JSON.stringify(body), headers: jsonHeaders() },
    NO_CONTENT,
  );
  if (!r.ok) {
    const f = r.failure;
    if (f.kind === 'api' && isRecordLevelCode(f.code))
      return { ok: false, error: errorFromCode({ code: f.code, message: f.message, fields: f.fields }, ctx) };
    throw session.toError(f, ctx);
  }
  if (r.body === NO_CONTENT) {
    const found = await queryAll(
      session,
      `SELECT Id FROM ${object} WHERE ${extField} = ${soqlString(extValue)} LIMIT 1`,
      ctx,
    );
    const id = found[0]?.Id;
    return id
      ? { ok: true, id, created: false }
      : { ok: false, error: new FatalError(`salesforce ${object} upserted but not found by ${extField}`) };
  }
  return toOutcome(parseResponse(SaveResult, r.body, `${object} upsert`), ctx);
}

/**
 * `PATCH /composite/sobjects/<object>/<extField>` in chunks of 200 (allOrNone false): one
 * outcome per record, in input order. Chunks run one after another; a whole-call failure
 * throws (earlier chunks stay written, which the next attempt's upsert repeats harmlessly).
 */
export async function upsertMany(
  session: SalesforceSession,
  object: string,
  extField: string,
  records: SfFields[],
  contextOf: (i: number) => ErrorContext,
): Promise<WriteOutcome[]> {
  const out: WriteOutcome[] = [];
  for (let start = 0; start < records.length; start += MAX_COLLECTION) {
    const chunk = records.slice(start, start + MAX_COLLECTION);
    const body = JSON.stringify({
      allOrNone: false,
      records: chunk.map((rec) => ({ attributes: { type: object }, ...rec })),
    });
    const raw = await session.call(
      { method: 'PATCH', url: `/composite/sobjects/${object}/${extField}`, body, headers: jsonHeaders() },
      { object },
    );
    const results = parseResponse(SaveResults, raw, `${object} collection upsert`);
    if (results.length !== chunk.length)
      throw new FatalError(
        `salesforce ${object} collection upsert: ${results.length} results for ${chunk.length} records`,
      );
    results.forEach((r, i) => out.push(toOutcome(r, contextOf(start + i))));
  }
  return out;
}

/** Runs SOQL and follows `nextRecordsUrl` to the end (jsforce's autoFetch is off by default). */
export async function queryAll(session: SalesforceSession, soql: string, ctx: ErrorContext = {}): Promise<SfRow[]> {
  return followPages(session, await session.call({ method: 'GET', url: queryUrl(soql) }, ctx), ctx);
}

const queryUrl = (soql: string): string => `/query?q=${encodeURIComponent(soql)}`;

/** The records of a first query page and of every page after it (`nextRecordsUrl`). */
async function followPages(session: SalesforceSession, firstBody: unknown, ctx: ErrorContext): Promise<SfRow[]> {
  const records: SfRow[] = [];
  let body = firstBody;
  for (;;) {
    const page = parseResponse(QueryPage, body, 'query');
    records.push(...page.records);
    if (page.done || !page.nextRecordsUrl) return records;
    body = await session.call({ method: 'GET', url: page.nextRecordsUrl }, ctx);
  }
}

/**
 * queryAll for an object the org may not have (INVALID_TYPE: a feature such as Team Selling
 * is off, or the integration user cannot see the object): 'missing-object' instead of an error.
 */
export async function queryAllUnlessMissing(
  session: SalesforceSession,
  soql: string,
  ctx: ErrorContext = {},
): Promise<SfRow[] | 'missing-object'> {
  const first = await session.attempt({ method: 'GET', url: queryUrl(soql) });
  if (!first.ok) {
    if (first.failure.kind === 'api' && first.failure.code === 'INVALID_TYPE') return 'missing-object';
    throw session.toError(first.failure, ctx);
  }
  return followPages(session, first.body, ctx);
}
