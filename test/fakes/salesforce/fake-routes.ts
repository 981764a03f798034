import { describeBody } from './fake-schema.ts';
import type { FakeQueryEngine } from './fake-query.ts';
import type { FakeStore, SfError, WriteResult } from './fake-store.ts';

export type FakeRoute =
  | 'token'
  | 'query'
  | 'queryMore'
  | 'describe'
  | 'describeGlobal'
  | 'retrieve'
  | 'create'
  | 'update'
  | 'delete'
  | 'upsertSingle'
  | 'upsertCollection'
  | 'createCollection'
  | 'updateCollection'
  | 'composite'
  | 'unknown';

export interface RouteContext {
  store: FakeStore;
  query: FakeQueryEngine;
  version: string;
  pageSize: number;
  userId: string;
  /** 200 with `created:false` (API 46+) or 204 without a body (older versions) for an upsert update. */
  upsertUpdateStatus: 200 | 204;
}

export interface Reply {
  status: number;
  body?: unknown;
}

const MAX_COLLECTION = 200;

/** Which kind of call a REST path is (segments after /services/data/vXX.X/). */
export function routeOf(method: string, seg: string[]): FakeRoute {
  const [a, b, c, d, e] = seg;
  if ((a === 'query' || a === 'queryAll') && method === 'GET') return b === undefined ? 'query' : 'queryMore';
  if (a === 'sobjects') {
    if (b === undefined) return method === 'GET' ? 'describeGlobal' : 'unknown';
    if (c === undefined) return method === 'POST' ? 'create' : method === 'GET' ? 'describe' : 'unknown';
    if (c === 'describe' && d === undefined) return method === 'GET' ? 'describe' : 'unknown';
    if (d === undefined)
      return method === 'GET' ? 'retrieve' : method === 'PATCH' ? 'update' : method === 'DELETE' ? 'delete' : 'unknown';
    if (e === undefined) return method === 'PATCH' ? 'upsertSingle' : method === 'GET' ? 'retrieve' : 'unknown';
  }
  if (a === 'composite' && b === undefined) return method === 'POST' ? 'composite' : 'unknown';
  if (a === 'composite' && b === 'sobjects') {
    if (c === undefined)
      return method === 'POST' ? 'createCollection' : method === 'PATCH' ? 'updateCollection' : 'unknown';
    if (d !== undefined && e === undefined && method === 'PATCH') return 'upsertCollection';
  }
  return 'unknown';
}

export const apiError = (status: number, errorCode: string, message: string, fields: string[] = []): Reply => ({
  status,
  body: [{ message, errorCode, fields }],
});

const restErrors = (errors: SfError[]): unknown[] =>
  errors.map((e) => ({ message: e.message, errorCode: e.statusCode, fields: e.fields }));
const itemResult = (r: WriteResult): Record<string, unknown> =>
  r.ok ? { id: r.id, success: true, errors: [], created: r.created } : { success: false, errors: r.errors };

export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export function handleRoute(
  ctx: RouteContext,
  route: FakeRoute,
  method: string,
  seg: string[],
  search: URLSearchParams,
  body: unknown,
  batchSize: number | undefined,
): Reply {
  const [, type = '', third, fourth] = seg;
  const { store } = ctx;
  switch (route) {
    case 'query': {
      const r = ctx.query.run(search.get('q') ?? '', ctx.version, batchSize ?? ctx.pageSize);
      return r.ok ? { status: 200, body: r.page } : apiError(r.status, r.errorCode, r.message);
    }
    case 'queryMore': {
      const r = ctx.query.more(seg[1] ?? '', ctx.version);
      return r.ok ? { status: 200, body: r.page } : apiError(r.status, r.errorCode, r.message);
    }
    case 'describeGlobal':
      return { status: 200, body: { sobjects: store.typeNames().map((name) => ({ name, label: name })) } };
    case 'describe': {
      const table = store.table(type);
      return table
        ? {
            status: 200,
            // StageName's picklist is the org's stages (the mapping studio checks stage names against it).
            body: describeBody(table.name, table.fields.values(), {
              StageName: [...store.stages.values()].filter((s) => s.IsActive).map((s) => s.ApiName),
            }),
          }
        : apiError(404, 'NOT_FOUND', 'The requested resource does not exist');
    }
    case 'retrieve': {
      const table = store.table(type);
      const id = fourth === undefined ? third : table?.holder(table.field(third ?? '')?.name ?? '', fourth);
      const rec = id === undefined ? undefined : table?.byId.get(id);
      if (id !== undefined && table?.deleted.has(id)) return apiError(404, 'ENTITY_IS_DELETED', 'entity is deleted');
      if (!table || !rec) return apiError(404, 'NOT_FOUND', 'The requested resource does not exist');
      const wanted = search
        .get('fields')
        ?.split(',')
        .map((f) => table.field(f.trim())?.name ?? f.trim());
      const out: Record<string, unknown> = {
        attributes: {
          type: table.name,
          url: `/services/data/v${ctx.version}/sobjects/${table.name}/${String(rec.Id)}`,
        },
      };
      for (const f of wanted ?? Object.keys(rec)) out[f] = rec[f] ?? null;
      return { status: 200, body: out };
    }
    case 'create': {
      if (!isObject(body)) return apiError(400, 'JSON_PARSER_ERROR', 'request body must be an object');
      const r = store.write({ type, body, mode: 'create', userId: ctx.userId });
      return r.ok
        ? { status: 201, body: { id: r.id, success: true, errors: [] } }
        : { status: 400, body: restErrors(r.errors) };
    }
    case 'update': {
      if (!isObject(body)) return apiError(400, 'JSON_PARSER_ERROR', 'request body must be an object');
      if (store.table(type)?.deleted.has(third ?? '')) return apiError(404, 'ENTITY_IS_DELETED', 'entity is deleted');
      if (!store.table(type)?.byId.has(third ?? ''))
        return apiError(404, 'NOT_FOUND', 'The requested resource does not exist');
      const r = store.write({ type, body, mode: 'update', id: third ?? '', userId: ctx.userId });
      return r.ok ? { status: 204 } : { status: 400, body: restErrors(r.errors) };
    }
    case 'delete': {
      const table = store.table(type);
      if (table?.deleted.has(third ?? '')) return apiError(404, 'ENTITY_IS_DELETED', 'entity is deleted');
      if (!table?.byId.has(third ?? '')) return apiError(404, 'NOT_FOUND', 'The requested resource does not exist');
      store.softDelete(third ?? '');
      return { status: 204 };
    }
    case 'upsertSingle': {
      if (!isObject(body)) return apiError(400, 'JSON_PARSER_ERROR', 'request body must be an object');
      const table = store.table(type);
      if (!table?.field(third ?? '')?.externalId) {
        return apiError(
          404,
          'NOT_FOUND',
          `Provided external ID field does not exist or is not accessible: ${third ?? ''}`,
        );
      }
      const r = store.write({
        type,
        body,
        mode: 'upsert',
        extField: third ?? '',
        extValue: fourth ?? '',
        userId: ctx.userId,
      });
      if (!r.ok) return { status: 400, body: restErrors(r.errors) };
      if (!r.created && ctx.upsertUpdateStatus === 204) return { status: 204 };
      return { status: r.created ? 201 : 200, body: itemResult(r) };
    }
    case 'upsertCollection':
    case 'createCollection':
    case 'updateCollection':
      return collection(ctx, route, seg, body);
    default:
      return apiError(404, 'NOT_FOUND', 'The requested resource does not exist');
  }
}

/** sObject Collections: HTTP 200 with one result per record, in order, failures inline. */
function collection(ctx: RouteContext, route: FakeRoute, seg: string[], body: unknown): Reply {
  if (!isObject(body) || !Array.isArray(body.records))
    return apiError(400, 'JSON_PARSER_ERROR', 'body must have a records array');
  const records: unknown[] = body.records;
  if (records.length > MAX_COLLECTION) {
    return apiError(
      400,
      'EXCEEDED_ID_LIMIT',
      `record limit reached. cannot submit more than ${MAX_COLLECTION} records into this call`,
    );
  }
  const allOrNone = body.allOrNone === true;
  const [, , pathType, extField] = seg;
  const seen = new Map<string, number>();
  if (route === 'upsertCollection' && extField !== undefined) {
    for (const r of records)
      if (isObject(r))
        seen.set(String(r[extField]).toLowerCase(), (seen.get(String(r[extField]).toLowerCase()) ?? 0) + 1);
  }
  const undo: (() => void)[] = [];
  const results: WriteResult[] = records.map((raw) => {
    if (!isObject(raw))
      return {
        ok: false,
        errors: [{ statusCode: 'JSON_PARSER_ERROR', message: 'record must be an object', fields: [] }],
      };
    const attrs = raw.attributes;
    const type = pathType ?? (isObject(attrs) && typeof attrs.type === 'string' ? attrs.type : '');
    const table = ctx.store.table(type);
    if (!table)
      return {
        ok: false,
        errors: [{ statusCode: 'INVALID_TYPE', message: `sObject type '${type}' is not supported.`, fields: [] }],
      };
    const { Id: id, ...rest } = raw;
    if (route === 'upsertCollection' && extField !== undefined) {
      const extValue = raw[extField];
      if ((seen.get(String(extValue).toLowerCase()) ?? 0) > 1) {
        return {
          ok: false,
          errors: [
            {
              statusCode: 'DUPLICATE_EXTERNAL_ID',
              message: `Duplicate external id specified: ${String(extValue)}`,
              fields: [extField],
            },
          ],
        };
      }
      undo.push(
        snapshot(
          ctx.store,
          type,
          table.holder(table.field(extField)?.name ?? extField, typeof extValue === 'string' ? extValue : null),
        ),
      );
      return ctx.store.write({
        type,
        body: rest,
        mode: 'upsert',
        extField,
        extValue: typeof extValue === 'string' ? extValue : '',
        userId: ctx.userId,
      });
    }
    if (route === 'updateCollection') {
      if (typeof id !== 'string' || !table.byId.has(id))
        return { ok: false, errors: [{ statusCode: 'MALFORMED_ID', message: 'invalid record id', fields: ['Id'] }] };
      undo.push(snapshot(ctx.store, type, id));
      return ctx.store.write({ type, body: rest, mode: 'update', id, userId: ctx.userId });
    }
    return ctx.store.write({ type, body: rest, mode: 'create', userId: ctx.userId });
  });
  if (allOrNone && results.some((r) => !r.ok)) {
    // Roll back in reverse order; created records are removed, updated ones restored.
    for (const [i, r] of results.entries()) {
      if (r.ok && r.created) ctx.store.table(recordType(records[i], pathType))?.remove(r.id);
    }
    for (const u of undo.reverse()) u();
    return {
      status: 200,
      body: results.map((r) =>
        r.ok
          ? {
              success: false,
              errors: [
                {
                  statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK',
                  message:
                    'Record rolled back because not all records were valid and the request was using AllOrNone header',
                  fields: [],
                },
              ],
            }
          : itemResult(r),
      ),
    };
  }
  return { status: 200, body: results.map(itemResult) };
}

function recordType(raw: unknown, pathType: string | undefined): string {
  if (pathType !== undefined) return pathType;
  const attrs = isObject(raw) ? raw.attributes : undefined;
  return isObject(attrs) && typeof attrs.type === 'string' ? attrs.type : '';
}

function snapshot(store: FakeStore, type: string, id: string | undefined): () => void {
  const table = store.table(type);
  const before = id === undefined ? undefined : table?.byId.get(id);
  const copy = before ? { ...before } : undefined;
  return () => {
    if (table && copy) table.put(copy);
  };
}
