import type { DataverseStore, Row } from './store.ts';

export interface FakeReply {
  status: number;
  headers?: Record<string, string>;
  /** JSON body; absent for 204. */
  body?: unknown;
}

/** An injected failure: HTTP status, Dataverse error code/message, Retry-After (seconds). */
export interface Failure {
  status: number;
  code?: string;
  message?: string;
  retryAfter?: string;
}

export interface RecordFailure {
  matches: (w: { table: string; key: string | undefined; body: Row }) => boolean;
  failure: Failure;
  times: number;
}

/** `{ "error": { "code", "message" } }`, the Dataverse error payload (docs/dataverse-api.md, "Errors"). */
export function dvError(status: number, code: string, message: string, retryAfter?: string): FakeReply {
  return {
    status,
    headers: retryAfter === undefined ? {} : { 'Retry-After': retryAfter },
    body: { error: { code, message } },
  };
}

/** Single-valued navigation properties whose lookup column has another name. */
const NAV_LOOKUP: Record<string, string> = {
  customerid_account: 'customerid',
  customerid_contact: 'customerid',
  regardingobjectid_opportunity_task: 'regardingobjectid',
  regardingobjectid_lead_task: 'regardingobjectid',
  objectid_opportunity: 'objectid',
};

/**
 * `nav@odata.bind: "/accounts(<guid>)"` (or `accounts(key='v')`, or an absolute URL) ->
 * `_lookup_value` plus its lookuplogicalname annotation; 404 when the target is missing.
 */
export function bindValue(store: DataverseStore, nav: string, value: unknown): { cols: Row } | { error: FakeReply } {
  const lookup = NAV_LOOKUP[nav] ?? nav;
  if (value === null) return { cols: { [`_${lookup}_value`]: null } };
  const m = typeof value === 'string' ? /(?:^|\/)([a-z_]+)\(([^)]+)\)$/.exec(value) : null;
  if (!m?.[1] || !m[2]) return { error: dvError(400, '0x80060888', `Invalid value for ${nav}@odata.bind.`) };
  const set = m[1];
  const def = store.defs[set];
  if (!def) return { error: dvError(400, '0x80060888', `Unknown entity set '${set}' in ${nav}@odata.bind.`) };
  const key = m[2];
  const alt = /^([a-z_][a-z0-9_]*)='((?:[^']|'')*)'$/.exec(key);
  if (alt?.[1] && !def.keys.includes(alt[1]))
    return {
      error: dvError(400, '0x80048d19', `Invalid key: no alternate key on ${def.logical} has the column '${alt[1]}'.`),
    };
  const target =
    alt?.[1] && alt[2] !== undefined ? store.findByKey(set, alt[1], alt[2].replace(/''/g, "'")) : store.get(set, key);
  if (!target) return { error: dvError(404, '0x80040217', `${def.logical} With Ids = ${key} Does Not Exist`) };
  return {
    cols: {
      [`_${lookup}_value`]: target[def.pk],
      [`_${lookup}_value@Microsoft.Dynamics.CRM.lookuplogicalname`]: def.logical,
    },
  };
}
