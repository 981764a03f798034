import type { FakeStore } from './fake-store.ts';
import type { SfRecord, SfValue, TypeTable } from './fake-table.ts';
import { parseSoql, SoqlError, type Condition, type Literal, type SoqlQuery } from './fake-soql.ts';

export interface QueryPage {
  totalSize: number;
  done: boolean;
  nextRecordsUrl?: string;
  records: Record<string, unknown>[];
}

export type QueryOutcome =
  { ok: true; page: QueryPage } | { ok: false; status: number; errorCode: string; message: string };

interface Cursor {
  rows: Record<string, unknown>[];
  next: number;
  pageSize: number;
}

/** Runs SOQL against the store and pages the result the way `nextRecordsUrl` works. */
export class FakeQueryEngine {
  private readonly cursors = new Map<string, Cursor>();
  private seq = 0;

  constructor(private readonly store: FakeStore) {}

  run(soql: string, version: string, pageSize: number): QueryOutcome {
    let q: SoqlQuery;
    try {
      q = parseSoql(soql);
    } catch (err) {
      if (err instanceof SoqlError)
        return { ok: false, status: 400, errorCode: 'MALFORMED_QUERY', message: err.message };
      throw err;
    }
    const table = this.store.table(q.from);
    if (!table)
      return {
        ok: false,
        status: 400,
        errorCode: 'INVALID_TYPE',
        message: `sObject type '${q.from}' is not supported.`,
      };
    const selected = q.fields.map((f) => selectedField(this.store, table, f));
    const unknown = [
      ...q.fields.filter((_, i) => selected[i] === undefined),
      ...[...q.orderBy.map((o) => o.field), ...conditionFields(q.where)].filter((f) => !table.field(f)),
    ][0];
    if (unknown !== undefined) {
      return {
        ok: false,
        status: 400,
        errorCode: 'INVALID_FIELD',
        message: `No such column '${unknown}' on entity '${table.name}'.`,
      };
    }
    let rows: SfRecord[];
    if (q.where) {
      const where = q.where;
      const ids = candidates(table, where);
      const pool: SfRecord[] = [];
      if (ids) {
        for (const id of ids) {
          const rec = table.byId.get(id);
          if (rec) pool.push(rec);
        }
      } else pool.push(...table.byId.values());
      rows = pool.filter((r) => matches(table, r, where));
    } else rows = [...table.byId.values()];
    if (q.orderBy.length > 0) rows.sort((a, b) => compareRows(table, a, b, q));
    if (q.offset !== undefined) rows = rows.slice(q.offset);
    if (q.limit !== undefined) rows = rows.slice(0, q.limit);
    if (q.count) return { ok: true, page: { totalSize: rows.length, done: true, records: [] } };
    const shaped = rows.map((r) => project(table.name, version, r, selected as Selected[]));
    return { ok: true, page: this.page(shaped, version, pageSize, undefined) };
  }

  more(locator: string, version: string): QueryOutcome {
    const [id] = locator.split('-');
    const cursor = id === undefined ? undefined : this.cursors.get(id);
    if (!cursor || id === undefined)
      return { ok: false, status: 400, errorCode: 'INVALID_QUERY_LOCATOR', message: 'invalid query locator' };
    return { ok: true, page: this.page(cursor.rows, version, cursor.pageSize, id) };
  }

  private page(
    rows: Record<string, unknown>[],
    version: string,
    pageSize: number,
    cursorId: string | undefined,
  ): QueryPage {
    const cursor = cursorId === undefined ? undefined : this.cursors.get(cursorId);
    const start = cursor?.next ?? 0;
    const end = Math.min(rows.length, start + pageSize);
    const records = rows.slice(start, end);
    if (end >= rows.length) {
      if (cursorId !== undefined) this.cursors.delete(cursorId);
      return { totalSize: rows.length, done: true, records };
    }
    const id = cursorId ?? `01gFAKE${(++this.seq).toString().padStart(8, '0')}`;
    this.cursors.set(id, { rows, next: end, pageSize });
    return {
      totalSize: rows.length,
      done: false,
      nextRecordsUrl: `/services/data/v${version}/query/${id}-${end}`,
      records,
    };
  }
}

/** A SELECT item: a field of the queried object, or `Rel.Field` of a parent through a lookup. */
type Selected = { name: string } | { rel: string; lookup: string; parent: TypeTable; name: string };

/**
 * Resolves a SELECT item. Parent fields follow Salesforce's relationship names: `UserId` is
 * reached as `User.…`, a custom `Foo__c` lookup as `Foo__r.…` (one level, as the connector uses).
 */
function selectedField(store: FakeStore, table: TypeTable, item: string): Selected | undefined {
  const dot = item.indexOf('.');
  if (dot < 0) {
    const spec = table.field(item);
    return spec ? { name: spec.name } : undefined;
  }
  const rel = item.slice(0, dot);
  const lookupName = rel.toLowerCase().endsWith('__r') ? `${rel.slice(0, -3)}__c` : `${rel}Id`;
  const lookup = table.field(lookupName);
  const parent = lookup?.referenceTo === undefined ? undefined : store.table(lookup.referenceTo);
  const spec = parent?.field(item.slice(dot + 1));
  if (!lookup || !parent || !spec) return undefined;
  return { rel, lookup: lookup.name, parent, name: spec.name };
}

function project(type: string, version: string, r: SfRecord, fields: Selected[]): Record<string, unknown> {
  const out: Record<string, unknown> = {
    attributes: { type, url: `/services/data/v${version}/sobjects/${type}/${String(r.Id)}` },
  };
  for (const f of fields) {
    if (!('rel' in f)) {
      out[f.name] = r[f.name] ?? null;
      continue;
    }
    // A parent comes back as a nested record, or null when the lookup is empty.
    const parentId = r[f.lookup];
    const parent = typeof parentId === 'string' ? f.parent.byId.get(parentId) : undefined;
    if (!parent) {
      out[f.rel] ??= null;
      continue;
    }
    const nested = (out[f.rel] ?? {
      attributes: {
        type: f.parent.name,
        url: `/services/data/v${version}/sobjects/${f.parent.name}/${String(parent.Id)}`,
      },
    }) as Record<string, unknown>;
    nested[f.name] = parent[f.name] ?? null;
    out[f.rel] = nested;
  }
  return out;
}

function conditionFields(c: Condition | undefined): string[] {
  if (!c) return [];
  if (c.type === 'not') return conditionFields(c.inner);
  if ('left' in c) return [...conditionFields(c.left), ...conditionFields(c.right)];
  return [c.field];
}

/**
 * Ids that can match, from equality indexes, or null when a full scan is needed. Keeps the
 * connector's account lookup (`(Name = … AND …) OR Key = …`, 200 terms) fast at 100k rows.
 */
function candidates(table: TypeTable, c: Condition): Set<string> | null {
  const field = (name: string): string => table.field(name)?.name ?? name;
  switch (c.type) {
    case 'cmp':
      return c.op === '=' && c.value.kind === 'string' ? table.idsEqual(field(c.field), c.value.value) : null;
    case 'in': {
      if (c.negate || !c.values.every((v) => v.kind === 'string')) return null;
      const out = new Set<string>();
      for (const v of c.values)
        if (v.kind === 'string') for (const id of table.idsEqual(field(c.field), v.value)) out.add(id);
      return out;
    }
    case 'and': {
      const l = candidates(table, c.left);
      const r = candidates(table, c.right);
      if (l && r) return l.size <= r.size ? l : r;
      return l ?? r;
    }
    case 'or': {
      const l = candidates(table, c.left);
      const r = l ? candidates(table, c.right) : null;
      return l && r ? new Set([...l, ...r]) : null;
    }
    case 'not':
      return null;
  }
}

function value(table: TypeTable, r: SfRecord, field: string): SfValue {
  const name = table.field(field)?.name ?? field;
  return r[name] ?? null;
}

function matches(table: TypeTable, r: SfRecord, c: Condition): boolean {
  switch (c.type) {
    case 'and':
      return matches(table, r, c.left) && matches(table, r, c.right);
    case 'or':
      return matches(table, r, c.left) || matches(table, r, c.right);
    case 'not':
      return !matches(table, r, c.inner);
    case 'in': {
      const v = value(table, r, c.field);
      const hit = c.values.some((l) => compare(v, l) === 0);
      return c.negate ? !hit && v !== null : hit;
    }
    case 'cmp': {
      const v = value(table, r, c.field);
      if (c.value.kind === 'null') return c.op === '=' ? v === null : c.op === '!=' ? v !== null : false;
      if (v === null) return c.op === '!=';
      const d = compare(v, c.value);
      if (d === undefined) return c.op === '!=';
      return c.op === '='
        ? d === 0
        : c.op === '!='
          ? d !== 0
          : c.op === '<'
            ? d < 0
            : c.op === '<='
              ? d <= 0
              : c.op === '>'
                ? d > 0
                : d >= 0;
    }
  }
}

/** Record value vs literal; strings compare case-insensitively, as SOQL `=` does on text. */
function compare(v: SfValue, l: Literal): number | undefined {
  if (v === null) return l.kind === 'null' ? 0 : undefined;
  switch (l.kind) {
    case 'null':
      return undefined;
    case 'string':
      return cmp(String(v).toLowerCase(), l.value.toLowerCase());
    case 'number':
      return typeof v === 'number' ? cmp(v, l.value) : cmp(Number(v), l.value);
    case 'boolean':
      return v === l.value ? 0 : 1;
    case 'date':
      return cmp(String(v).slice(0, 10), l.value);
    case 'datetime': {
      const ms = Date.parse(String(v));
      return Number.isNaN(ms) ? undefined : cmp(ms, l.ms);
    }
  }
}

function cmp<T extends string | number>(a: T, b: T): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareRows(table: TypeTable, a: SfRecord, b: SfRecord, q: SoqlQuery): number {
  for (const o of q.orderBy) {
    const va = value(table, a, o.field);
    const vb = value(table, b, o.field);
    if (va === vb) continue;
    if (va === null) return o.nullsLast ? 1 : -1;
    if (vb === null) return o.nullsLast ? -1 : 1;
    const d =
      table.field(o.field)?.type === 'datetime'
        ? cmp(Date.parse(String(va)), Date.parse(String(vb)))
        : typeof va === 'number' && typeof vb === 'number'
          ? cmp(va, vb)
          : cmp(String(va).toLowerCase(), String(vb).toLowerCase());
    if (d !== 0) return o.desc ? -d : d;
  }
  return 0;
}
