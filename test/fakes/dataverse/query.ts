import { compareValues, parseFilter } from './odata-filter.ts';
import type { DataverseStore, Row } from './store.ts';

/*
 * `$select`, `$expand` (one level, lookups only), `$filter`, `$orderby` and server-driven paging
 * (`Prefer: odata.maxpagesize`, `@odata.nextLink`). The skip token holds the last row's sort
 * values, like Dataverse's paging cookie, so rows edited between pages are neither skipped
 * nor repeated out of order.
 */

export interface Shape {
  select: string[] | undefined;
  expand: { nav: string; select: string[] | undefined }[];
  /** Prefer odata.include-annotations: '*' or a list of annotation names. */
  annotations: string;
}

export function parseShape(params: URLSearchParams, prefer: string): Shape {
  const select = params
    .get('$select')
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const expand = (params.get('$expand') ?? '')
    .split(/,(?![^()]*\))/)
    .map((s) => s.trim())
    .filter(Boolean)
    .map((part) => {
      const m = /^([a-z_][a-z0-9_]*)(?:\(\$select=([^)]*)\))?$/.exec(part);
      if (!m?.[1]) throw new Error(`unsupported $expand '${part}'`);
      return { nav: m[1], select: m[2]?.split(',').map((s) => s.trim()) };
    });
  const annotations = /odata\.include-annotations="([^"]*)"/.exec(prefer)?.[1] ?? '';
  return { select, expand, annotations };
}

const wants = (shape: Shape, name: string): boolean =>
  shape.annotations === '*' ||
  shape.annotations
    .split(',')
    .some((a) => a.trim() === name || (a.trim().endsWith('*') && name.startsWith(a.trim().slice(0, -1))));

/** A row as the Web API returns it. `choices` gives labels for FormattedValue annotations. */
export function shapeRow(
  store: DataverseStore,
  set: string,
  row: Row,
  shape: Shape,
  choices: Record<string, Record<string, string>>,
): Row {
  const pk = store.defs[set]?.pk ?? '';
  const out: Row = { '@odata.etag': `W/"${String(row.versionnumber ?? 0)}"` };
  const columns = shape.select ?? Object.keys(row).filter((k) => !k.includes('@'));
  for (const c of new Set([...columns, pk])) {
    out[c] = row[c] ?? null;
    const logical = row[`${c}@Microsoft.Dynamics.CRM.lookuplogicalname`];
    if (logical !== undefined && wants(shape, 'Microsoft.Dynamics.CRM.lookuplogicalname'))
      out[`${c}@Microsoft.Dynamics.CRM.lookuplogicalname`] = logical;
    const label = choices[c]?.[String(row[c])];
    if (label !== undefined && wants(shape, 'OData.Community.Display.V1.FormattedValue'))
      out[`${c}@OData.Community.Display.V1.FormattedValue`] = label;
  }
  for (const e of shape.expand) {
    const { column, logical } = lookupOf(row, e.nav);
    const target = row[column];
    const targetSet = logical === undefined ? undefined : store.setByLogical(logical);
    const related = typeof target === 'string' && targetSet ? store.get(targetSet, target) : undefined;
    out[e.nav] =
      related && targetSet
        ? shapeRow(store, targetSet, related, { select: e.select, expand: [], annotations: '' }, {})
        : null;
  }
  return out;
}

/**
 * The lookup column behind a single-valued navigation property. A polymorphic lookup has one
 * property per target table (`record2id_systemuser` reads `_record2id_value` when that points
 * at a systemuser, and is null otherwise).
 */
function lookupOf(row: Row, nav: string): { column: string; logical: string | undefined } {
  const annotation = (column: string): string | undefined => {
    const v = row[`${column}@Microsoft.Dynamics.CRM.lookuplogicalname`];
    return typeof v === 'string' ? v : undefined;
  };
  if (`_${nav}_value` in row) return { column: `_${nav}_value`, logical: annotation(`_${nav}_value`) };
  const m = /^(.+)_([a-z0-9]+)$/.exec(nav);
  if (!m?.[1] || !m[2]) return { column: `_${nav}_value`, logical: undefined };
  const column = `_${m[1]}_value`;
  return { column, logical: annotation(column) === m[2] ? m[2] : undefined };
}

function orderBy(spec: string | null, pk: string): { column: string; desc: boolean }[] {
  const parts = (spec ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((p) => {
      const [column = '', dir] = p.split(/\s+/);
      return { column, desc: dir === 'desc' };
    });
  return [...parts, { column: pk, desc: false }];
}

function compareBy(keys: { column: string; desc: boolean }[], a: unknown[], b: unknown[]): number {
  for (let i = 0; i < keys.length; i++) {
    const x = a[i] ?? null;
    const y = b[i] ?? null;
    // SQL Server sorts nulls first in ascending order.
    const c = x === null || y === null ? (x === y ? 0 : x === null ? -1 : 1) : (compareValues(x, y) ?? 0);
    if (c !== 0) return keys[i]?.desc ? -c : c;
  }
  return 0;
}

export interface PageResult {
  value: Row[];
  nextLink?: string;
  pageSize: number;
}

/** One page of `set` for the query in `url`. Throws on unsupported options (the fake answers 400). */
export function runQuery(
  store: DataverseStore,
  set: string,
  url: URL,
  prefer: string,
  choices: Record<string, Record<string, string>>,
): PageResult {
  const params = url.searchParams;
  const pk = store.defs[set]?.pk ?? '';
  const shape = parseShape(params, prefer);
  const filter = params.get('$filter');
  const predicate = filter ? parseFilter(filter) : () => true;
  const keys = orderBy(params.get('$orderby'), pk);
  const tuple = (r: Row): unknown[] => keys.map((k) => r[k.column] ?? null);
  let rows = [...store.table(set).values()].filter(predicate).sort((a, b) => compareBy(keys, tuple(a), tuple(b)));
  const token = params.get('$skiptoken');
  if (token) {
    const after = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown[];
    rows = rows.filter((r) => compareBy(keys, tuple(r), after) > 0);
  }
  const pageSize = Math.min(Number(/odata\.maxpagesize=(\d+)/.exec(prefer)?.[1] ?? 5000), 5000);
  const top = params.get('$top');
  if (top !== null && !/odata\.maxpagesize/.test(prefer)) rows = rows.slice(0, Number(top));
  const page = rows.slice(0, pageSize);
  const value = page.map((r) => shapeRow(store, set, r, shape, choices));
  const last = page.at(-1);
  if (rows.length <= pageSize || !last) return { value, pageSize };
  const next = new URL(url.toString());
  next.searchParams.set('$skiptoken', Buffer.from(JSON.stringify(tuple(last))).toString('base64url'));
  return { value, pageSize, nextLink: next.toString() };
}
