import type { FieldSpec } from './fake-schema.ts';

export type SfValue = string | number | boolean | null;
export type SfRecord = Record<string, SfValue>;

/** Salesforce's datetime format in REST responses: `2024-05-01T10:00:00.000+0000`. */
export const sfDateTime = (d: Date): string => d.toISOString().replace('Z', '+0000');

/**
 * One sObject type: records by Id plus a case-insensitive index per External ID + Unique field,
 * so upserts and uniqueness checks are O(1) at 100k records.
 */
export class TypeTable {
  readonly fields = new Map<string, FieldSpec>();
  readonly byId = new Map<string, SfRecord>();
  readonly ext = new Map<string, Map<string, string>>();
  /** Ids deleted through the API or `deleteAsUser` (in the recycle bin: ENTITY_IS_DELETED). */
  readonly deleted = new Set<string>();
  /** Equality indexes (lowercased value -> ids), built on a field's first `=` query, then kept. */
  private readonly eq = new Map<string, Map<string, Set<string>>>();
  private seq = 0;

  constructor(
    readonly name: string,
    readonly prefix: string,
    specs: FieldSpec[],
  ) {
    for (const spec of specs) this.addField(spec);
  }

  addField(spec: FieldSpec): FieldSpec {
    this.fields.set(spec.name.toLowerCase(), spec);
    if (spec.externalId && !this.ext.has(spec.name)) {
      const index = new Map<string, string>();
      for (const rec of this.byId.values()) {
        const v = rec[spec.name];
        if (v !== null && v !== undefined && v !== '') index.set(String(v).toLowerCase(), String(rec.Id));
      }
      this.ext.set(spec.name, index);
    }
    return spec;
  }

  field(name: string): FieldSpec | undefined {
    return this.fields.get(name.toLowerCase());
  }

  nextId(): string {
    this.seq += 1;
    // 3-char key prefix + 12 base-36 digits + 3-char checksum-like suffix = 18 chars.
    return `${this.prefix}${this.seq.toString(36).toUpperCase().padStart(12, '0')}AAA`;
  }

  /** The Id holding `value` in external-id field `field`, if any. */
  holder(field: string, value: SfValue): string | undefined {
    if (value === null || value === '') return undefined;
    return this.ext.get(field)?.get(String(value).toLowerCase());
  }

  /** Ids whose `field` equals `value` case-insensitively (SOQL `=` on text). */
  idsEqual(field: string, value: string): Set<string> {
    let index = this.eq.get(field);
    if (!index) {
      index = new Map();
      this.eq.set(field, index);
      for (const rec of this.byId.values()) addEq(index, rec[field], String(rec.Id));
    }
    return index.get(value.toLowerCase()) ?? new Set();
  }

  unindex(rec: SfRecord): void {
    for (const [field, index] of this.ext) {
      const v = rec[field];
      if (v !== null && v !== undefined && v !== '') {
        const key = String(v).toLowerCase();
        if (index.get(key) === rec.Id) index.delete(key);
      }
    }
    for (const [field, index] of this.eq) {
      const v = rec[field];
      if (v !== null && v !== undefined) index.get(String(v).toLowerCase())?.delete(String(rec.Id));
    }
  }

  index(rec: SfRecord): void {
    for (const [field, index] of this.ext) {
      const v = rec[field];
      if (v !== null && v !== undefined && v !== '') index.set(String(v).toLowerCase(), String(rec.Id));
    }
    for (const [field, index] of this.eq) addEq(index, rec[field], String(rec.Id));
  }

  /** Inserts or replaces a record, keeping the indexes right. */
  put(rec: SfRecord): void {
    const id = String(rec.Id);
    const old = this.byId.get(id);
    if (old) this.unindex(old);
    this.byId.set(id, rec);
    this.index(rec);
  }

  remove(id: string): void {
    const old = this.byId.get(id);
    if (!old) return;
    this.unindex(old);
    this.byId.delete(id);
  }
}

function addEq(index: Map<string, Set<string>>, v: SfValue | undefined, id: string): void {
  if (v === null || v === undefined) return;
  const key = String(v).toLowerCase();
  let ids = index.get(key);
  if (!ids) {
    ids = new Set();
    index.set(key, ids);
  }
  ids.add(id);
}
