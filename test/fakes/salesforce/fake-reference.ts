import type { FieldSpec } from './fake-schema.ts';
import type { TypeTable } from './fake-table.ts';
import type { SfError } from './fake-validate.ts';

/*
 * A lookup set by the parent's external id inside a write body, as Salesforce accepts it:
 * `"Account": { "Referral_Sync_Key__c": "k" }` (relationship name: `Account` for the standard
 * `AccountId`, `Foo__r` for a custom `Foo__c`). The value is resolved to the parent's Id.
 */

export type Resolved = { ok: true; field: string; id: string } | { ok: false; error: SfError };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export const isReference = (raw: unknown): raw is Record<string, unknown> => isObject(raw);

/** The lookup field behind a relationship name, if the object has one. */
export function referenceField(table: TypeTable, relationship: string): FieldSpec | undefined {
  const name = relationship.toLowerCase().endsWith('__r') ? `${relationship.slice(0, -3)}__c` : `${relationship}Id`;
  const spec = table.field(name);
  return spec?.type === 'reference' ? spec : undefined;
}

export function resolveReference(
  table: TypeTable,
  relationship: string,
  ref: Record<string, unknown>,
  body: Record<string, unknown>,
  lookup: (type: string) => TypeTable | undefined,
): Resolved {
  const invalid = (message: string, fields: string[] = [relationship]): Resolved => ({
    ok: false,
    error: { statusCode: 'INVALID_FIELD', message, fields },
  });
  const spec = referenceField(table, relationship);
  if (!spec) return invalid(`No such column '${relationship}' on sobject of type ${table.name}`);
  if (Object.keys(body).some((k) => k.toLowerCase() === spec.name.toLowerCase() && body[k] !== null)) {
    return invalid(`Cannot specify both an external ID reference ${relationship} and a salesforce id, ${spec.name}`, [
      spec.name,
    ]);
  }
  const attrs = ref.attributes;
  const typeName = isObject(attrs) && typeof attrs.type === 'string' ? attrs.type : spec.referenceTo;
  const target = typeName === undefined ? undefined : lookup(typeName);
  if (!target)
    return invalid(`${spec.name}: the fake does not know which object ${relationship} refers to (set referenceTo)`);
  const entries = Object.entries(ref).filter(([k]) => k !== 'attributes');
  const [only] = entries;
  if (!only || entries.length > 1) return invalid(`${relationship}: name the parent by exactly one external ID field`);
  const [field, value] = only;
  const extField = target.field(field);
  if (!extField?.externalId) return invalid(`Field ${field} is not an External ID or indexed field for ${target.name}`);
  const id = typeof value === 'string' || typeof value === 'number' ? target.holder(extField.name, value) : undefined;
  if (id === undefined) {
    return invalid(
      `Foreign key external ID: ${String(value)} not found for field ${extField.name} in entity ${target.name}`,
      [],
    );
  }
  return { ok: true, field: spec.name, id };
}
