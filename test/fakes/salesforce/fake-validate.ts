import { isReference, resolveReference } from './fake-reference.ts';
import type { StageSpec } from './fake-schema.ts';
import type { SfRecord, TypeTable } from './fake-table.ts';

/** One per-record error as sObject Collections report it (`statusCode` holds the code). */
export interface SfError {
  statusCode: string;
  message: string;
  fields: string[];
}

export interface ValidateOptions {
  strictFields: boolean;
  enforceLengths: boolean;
  stages: Map<string, StageSpec>;
  /** Other objects, to resolve a parent named by its external id. */
  lookup?: (type: string) => TypeTable | undefined;
}

interface WriteShape {
  body: Record<string, unknown>;
  mode: 'create' | 'update' | 'upsert';
  extField?: string;
  extValue?: string;
}

export type Validated = { ok: true; values: SfRecord; extValue: string | undefined } | { ok: false; errors: SfError[] };

/**
 * Field-level checks that need no other record: known field, writable, scalar, length.
 * Required fields, the stage picklist and uniqueness are checked against the target record.
 */
export function validateWrite(table: TypeTable, req: WriteShape, opts: ValidateOptions): Validated {
  const errors: SfError[] = [];
  const values: SfRecord = {};
  for (const [key, raw] of Object.entries(req.body)) {
    if (key === 'attributes') continue;
    if (req.mode === 'update' && key === 'Id') continue;
    if (isReference(raw) && opts.lookup) {
      const ref = resolveReference(table, key, raw, req.body, opts.lookup);
      if (ref.ok) values[ref.field] = ref.id;
      else errors.push(ref.error);
      continue;
    }
    let spec = table.field(key);
    if (!spec) {
      if (opts.strictFields) {
        errors.push({
          statusCode: 'INVALID_FIELD',
          message: `No such column '${key}' on sobject of type ${table.name}`,
          fields: [key],
        });
        continue;
      }
      spec = table.addField({ name: key, type: 'string' });
    }
    if (spec.readOnly) {
      errors.push({
        statusCode: 'INVALID_FIELD_FOR_INSERT_UPDATE',
        message: `Unable to create/update fields: ${spec.name}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
        fields: [spec.name],
      });
      continue;
    }
    if (raw !== null && typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean') {
      errors.push({
        statusCode: 'INVALID_TYPE_ON_FIELD_IN_RECORD',
        message: `${spec.name}: value not of required type`,
        fields: [spec.name],
      });
      continue;
    }
    if (
      opts.enforceLengths &&
      typeof raw === 'string' &&
      spec.length !== undefined &&
      spec.length > 0 &&
      raw.length > spec.length
    ) {
      errors.push({
        statusCode: 'STRING_TOO_LONG',
        message: `${spec.label ?? spec.name}: data value too large: ${raw.slice(0, 40)}... (max length=${spec.length})`,
        fields: [spec.name],
      });
      continue;
    }
    if (spec.type === 'date' && typeof raw === 'string' && !/^\d{4}-\d{2}-\d{2}$/.test(raw)) {
      errors.push({
        statusCode: 'INVALID_TYPE_ON_FIELD_IN_RECORD',
        message: `${spec.name}: value not of required type: ${raw}`,
        fields: [spec.name],
      });
      continue;
    }
    values[spec.name] = raw;
  }

  let extValue: string | undefined;
  if (req.mode === 'upsert') {
    const spec = req.extField === undefined ? undefined : table.field(req.extField);
    if (!spec || !spec.externalId) {
      errors.push({
        statusCode: 'INVALID_FIELD',
        message: `Field ${req.extField ?? '(none)'} is not an External ID or Id field`,
        fields: [],
      });
    } else if (req.extValue === undefined || req.extValue === '') {
      errors.push({ statusCode: 'MISSING_ARGUMENT', message: `${spec.name} not specified`, fields: [spec.name] });
    } else {
      values[spec.name] = req.extValue;
      extValue = req.extValue;
    }
  } else {
    for (const field of table.ext.keys()) {
      const v = values[field];
      if (typeof v === 'string' && extValue === undefined) extValue = v;
    }
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, values, extValue };
}

/** Checks against the target record: required fields, the stage picklist, external-id uniqueness. */
export function checkRecord(
  table: TypeTable,
  values: SfRecord,
  existing: SfRecord | undefined,
  stages: Map<string, StageSpec>,
): SfError[] {
  const errors: SfError[] = [];
  const missing = [...table.fields.values()]
    .filter((f) => f.required)
    .filter((f) => {
      const v = f.name in values ? values[f.name] : existing?.[f.name];
      return v === undefined || v === null || v === '';
    })
    .map((f) => f.name);
  if (missing.length > 0)
    errors.push({
      statusCode: 'REQUIRED_FIELD_MISSING',
      message: `Required fields are missing: [${missing.join(', ')}]`,
      fields: missing,
    });
  if (
    table.name === 'Opportunity' &&
    typeof values.StageName === 'string' &&
    !stages.has(values.StageName.toLowerCase())
  ) {
    errors.push({
      statusCode: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
      message: `Stage: bad value for restricted picklist field: ${values.StageName}`,
      fields: ['StageName'],
    });
  }
  for (const field of table.ext.keys()) {
    const v = values[field];
    if (v === undefined) continue;
    const holder = table.holder(field, v);
    if (holder !== undefined && holder !== existing?.Id) {
      errors.push({
        statusCode: 'DUPLICATE_VALUE',
        message: `duplicate value found: ${field} duplicates value on record with id: ${holder}`,
        fields: [field],
      });
    }
  }
  return errors;
}
