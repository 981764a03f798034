import { handleEntityDefinitions, type FakeMetadataOptions } from './metadata.ts';
import { runQuery, parseShape, shapeRow } from './query.ts';
import { closeOpportunity, qualifyLead } from './actions.ts';
import { bindValue, dvError, type FakeReply, type Failure, type RecordFailure } from './replies.ts';
import { BASE_CURRENCY_ID, type DataverseStore, type Row } from './store.ts';

export type RouteName = 'token' | 'batch' | 'upsert' | 'create' | 'query' | 'action' | 'unauthorized' | 'other';

export interface RouteState {
  store: DataverseStore;
  apiPath: string;
  base: () => string;
  recordFailures: RecordFailure[];
  choices: Record<string, Record<string, string>>;
  metadata: FakeMetadataOptions;
}

export interface FakeRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: string;
}

const RESOURCE = /^([A-Za-z_][A-Za-z0-9_]*)(?:\((.*)\))?$/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const routeOf = (method: string, resource: string): RouteName =>
  resource === '$batch'
    ? 'batch'
    : /^(Win|Lose)Opportunity$|QualifyLead$/.test(resource)
      ? 'action'
      : method === 'GET'
        ? 'query'
        : method === 'PATCH'
          ? 'upsert'
          : method === 'POST'
            ? 'create'
            : 'other';

/** One Web API request (top level or inside a `$batch`), without auth or injected call failures. */
export function handleEntity(state: RouteState, req: FakeRequest): FakeReply {
  const resource = decodeURIComponent(req.url.pathname.slice(state.apiPath.length + 1));
  const qualify = /^leads\(([0-9a-fA-F-]{36})\)\/Microsoft\.Dynamics\.CRM\.QualifyLead$/.exec(resource);
  if (qualify?.[1]) {
    if (req.method !== 'POST') return dvError(405, '0x80060888', 'Method not allowed.');
    return qualifyLead(state.store, qualify[1], parseJson(req.body));
  }
  const m = RESOURCE.exec(resource);
  if (!m?.[1]) return dvError(404, '0x80060888', `Resource not found for the segment '${resource}'.`);
  const [, set, key] = m as unknown as [string, string, string | undefined];
  if (set === 'WinOpportunity' || set === 'LoseOpportunity') {
    if (req.method !== 'POST') return dvError(405, '0x80060888', 'Method not allowed.');
    return closeOpportunity(state.store, set === 'WinOpportunity' ? 'won' : 'lost', parseJson(req.body));
  }
  if (set === 'EntityDefinitions' && key === undefined && req.method === 'GET')
    return handleEntityDefinitions(state.store, req.url, state.metadata);
  const def = state.store.defs[set];
  if (!def) return dvError(404, '0x80060888', `Resource not found for the segment '${set}'.`);
  const prefer = req.headers.prefer ?? '';
  try {
    if (key === undefined) {
      if (req.method === 'GET') {
        const page = runQuery(state.store, set, req.url, prefer, state.choices);
        const body: Row = { '@odata.context': `${state.base()}${state.apiPath}/$metadata#${set}`, value: page.value };
        if (page.nextLink) body['@odata.nextLink'] = page.nextLink;
        return { status: 200, headers: { 'Preference-Applied': `odata.maxpagesize=${page.pageSize}` }, body };
      }
      if (req.method === 'POST') return write(state, set, undefined, req);
      return dvError(405, '0x80060888', 'Method not allowed.');
    }
    const found = locate(state.store, set, key);
    if ('error' in found) return found.error;
    if (req.method === 'GET') {
      if (!found.row) return dvError(404, '0x80040217', `${def.logical} With Ids = ${key} Does Not Exist`);
      return {
        status: 200,
        body: shapeRow(state.store, set, found.row, parseShape(req.url.searchParams, prefer), state.choices),
      };
    }
    if (req.method === 'PATCH') return write(state, set, found, req);
    return dvError(405, '0x80060888', 'Method not allowed.');
  } catch (err) {
    return dvError(
      400,
      '0x80060888',
      `The query is not supported by the fake: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

type Located = { row: Row | undefined; id?: string; keyColumn?: string; keyValue?: string };

function locate(store: DataverseStore, set: string, key: string): Located | { error: FakeReply } {
  const def = store.defs[set];
  if (!def) return { error: dvError(404, '0x80060888', `no ${set}`) };
  if (GUID.test(key)) return { row: store.get(set, key), id: key.toLowerCase() };
  const m = /^([a-z_][a-z0-9_]*)='((?:[^']|'')*)'$/.exec(key);
  if (!m?.[1] || m[2] === undefined) return { error: dvError(400, '0x80060888', `Bad key segment '${key}'.`) };
  if (!def.keys.includes(m[1]))
    return {
      error: dvError(400, '0x80048d19', `Invalid key: no alternate key on ${def.logical} has the column '${m[1]}'.`),
    };
  const value = m[2].replace(/''/g, "'");
  return { row: store.findByKey(set, m[1], value), keyColumn: m[1], keyValue: value };
}

function write(state: RouteState, set: string, at: Located | undefined, req: FakeRequest): FakeReply {
  const { store } = state;
  const def = store.defs[set];
  const body = parseJson(req.body);
  if (!def || typeof body !== 'object' || body === null || Array.isArray(body))
    return dvError(400, '0x80040203', 'The request body is not a JSON object.');
  const existing = at?.row;
  const ifMatch = req.headers['if-match'];
  const ifNoneMatch = req.headers['if-none-match'];
  if (ifMatch === '*' && !existing)
    return dvError(404, '0x80040217', `${def.logical} With Ids = ${at?.id ?? at?.keyValue ?? '?'} Does Not Exist`);
  if (ifNoneMatch === '*' && existing)
    return dvError(412, '0x80060892', 'A record with matching key values already exists.');
  const injected = takeRecordFailure(state, set, at?.keyValue ?? at?.id, body as Row);
  if (injected)
    return dvError(injected.status, injected.code ?? '', injected.message ?? 'Injected failure', injected.retryAfter);

  const cols: Row = {};
  for (const [k, v] of Object.entries(body as Row)) {
    if (k.endsWith('@odata.bind')) {
      const bound = bindValue(store, k.slice(0, -'@odata.bind'.length), v);
      if ('error' in bound) return bound.error;
      Object.assign(cols, bound.cols);
    } else if (!k.startsWith('@')) cols[k] = v;
  }
  const problem = validate(set, existing, cols);
  if (problem) return problem;
  if (!existing && set === 'opportunities' && !Object.keys(cols).some((k) => k.includes('transactioncurrencyid'))) {
    // As Dataverse does: a new row with money columns and no currency gets the base currency.
    const base = bindValue(store, 'transactioncurrencyid', `/transactioncurrencies(${BASE_CURRENCY_ID})`);
    if (!('error' in base)) Object.assign(cols, base.cols);
  }
  if (at?.keyColumn && at.keyValue !== undefined) cols[at.keyColumn] = at.keyValue;
  const duplicate = def.keys.find(
    (k) =>
      typeof cols[k] === 'string' &&
      store.findByKey(set, k, cols[k] as string) !== existing &&
      store.findByKey(set, k, cols[k] as string),
  );
  if (duplicate) return dvError(412, '0x80060892', 'A record with matching key values already exists.');

  const row = existing ? store.update(set, String(existing[def.pk]), cols) : store.insert(set, cols, undefined, at?.id);
  const created = !existing;
  const id = String(row[def.pk]);
  const entityId = `${state.base()}${state.apiPath}/${set}(${id})`;
  if (/return=representation/.test(req.headers.prefer ?? '')) {
    return {
      status: created ? 201 : 200,
      headers: { 'OData-EntityId': entityId },
      body: shapeRow(store, set, row, parseShape(req.url.searchParams, ''), {}),
    };
  }
  return { status: 204, headers: { 'OData-EntityId': entityId } };
}

function validate(set: string, existing: Row | undefined, cols: Row): FakeReply | undefined {
  if (set === 'leads' && cols.statecode === 1)
    return dvError(400, '0x80040203', 'A lead is qualified with the QualifyLead action, not by setting its state.');
  if (set === 'opportunities' || set === 'tasks') {
    if ('statecode' in cols && existing && cols.statecode !== 0) {
      return dvError(
        400,
        '0x80040203',
        `This message can not be used to set the state of ${set === 'tasks' ? 'task' : 'opportunity'}. Use ${set === 'tasks' ? 'SetState' : 'WinOpportunity or LoseOpportunity'} instead.`,
      );
    }
    const reopening = cols.statecode === 0 && Object.keys(cols).every((k) => k === 'statecode' || k === 'statuscode');
    // Closed rows are read-only until reopened (docs/dataverse-api.md, "Opportunity state and status"). The real
    // error code is not
    // documented; the connector must not depend on this one.
    if (existing && existing.statecode !== 0 && !reopening) {
      return dvError(
        400,
        '0x80040203',
        `The ${set === 'tasks' ? 'task' : 'opportunity'} is closed and cannot be edited. Reopen it first.`,
      );
    }
  }
  const limits: Record<string, number> = { name: 300, subject: 200, description: 2000 };
  for (const [column, max] of Object.entries(limits)) {
    const v = cols[column];
    if (typeof v === 'string' && v.length > max) {
      return dvError(
        400,
        '0x80044331',
        `A validation error occurred. The length of the '${column}' attribute of the '${set}' entity exceeded the maximum allowed length of '${max}'.`,
      );
    }
  }
  return undefined;
}

function takeRecordFailure(state: RouteState, set: string, key: string | undefined, body: Row): Failure | undefined {
  const i = state.recordFailures.findIndex((f) => f.matches({ table: set, key, body }) && f.times > 0);
  const f = state.recordFailures[i];
  if (!f) return undefined;
  f.times--;
  if (f.times <= 0) state.recordFailures.splice(i, 1);
  return f.failure;
}

export function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
