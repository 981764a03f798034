import type { FieldRule } from './field-rule.ts';
import { closest } from './suggest.ts';

/*
 * Live CRM checks of mapped fields (the mapping studio, issue 17): what `doctor` checks, per
 * field, plus type and picklist checks. Pure: the CRM's field metadata comes in, problems go out.
 * Types follow Salesforce describe (`double`, `currency`, `date`...) and Dataverse attribute
 * types (`Money`, `DateTime`...); docs/mapping-studio.md lists the pairs.
 */

/** One CRM field as its metadata describes it (Salesforce describe / Dataverse attribute). */
export interface CrmFieldInfo {
  name: string;
  /** The CRM's own type name, compared case-insensitively. */
  type: string;
  writable: boolean;
  /** Active picklist / option set values; absent: not a picklist. */
  picklist?: readonly string[];
}

export interface FieldProblem {
  /** e.g. `salesforce.fields.StageName` or `salesforce.fields.StageName.values.Closed/Won`. */
  path: string;
  message: string;
}

const NUMBER = ['double', 'currency', 'percent', 'int', 'integer', 'decimal', 'money', 'bigint'];
const DATE = ['date', 'datetime'];
const BOOLEAN = ['boolean'];

/** The formats a CRM type accepts; undefined: any (text-like types). */
function formatsFor(type: string): readonly string[] | undefined {
  const t = type.toLowerCase();
  if (NUMBER.includes(t)) return ['number'];
  if (t === 'date') return ['date'];
  if (t === 'datetime' || t === 'dateandtime') return ['datetime', 'date'];
  if (BOOLEAN.includes(t)) return ['boolean'];
  return undefined;
}

function typeProblem(rule: FieldRule, info: CrmFieldInfo): string | undefined {
  const formats = formatsFor(info.type);
  if (!formats) return undefined;
  const t = info.type.toLowerCase();
  if (rule.const !== undefined && rule.const !== null) {
    const ok =
      (NUMBER.includes(t) && typeof rule.const === 'number') ||
      (BOOLEAN.includes(t) && typeof rule.const === 'boolean') ||
      (DATE.includes(t) && typeof rule.const === 'string');
    return ok ? undefined : `is a ${info.type} field; ${JSON.stringify(rule.const)} does not fit it`;
  }
  if (rule.values !== undefined) return undefined; // the value map decides what is written
  if (rule.format !== undefined && !formats.includes(rule.format))
    return `is a ${info.type} field; format ${rule.format} does not fit it (use ${formats.join(' or ')})`;
  if (rule.template !== undefined && rule.format === undefined)
    return `is a ${info.type} field; a template makes text (add format: ${formats[0]})`;
  return undefined;
}

function picklistProblems(rule: FieldRule, info: CrmFieldInfo, at: string): FieldProblem[] {
  const allowed = info.picklist;
  if (!allowed || allowed.length === 0) return [];
  const known = new Set(allowed.map((v) => v.toLowerCase()));
  const check = (value: unknown, path: string): FieldProblem[] => {
    if (typeof value !== 'string' || known.has(value.toLowerCase())) return [];
    const near = closest(value, allowed);
    return [{ path, message: `"${value}" is not a value of this picklist${near ? ` (did you mean "${near}"?)` : ''}` }];
  };
  return [
    ...Object.entries(rule.values ?? {}).flatMap(([k, v]) => check(v, `${at}.values.${k}`)),
    ...check(rule.valuesDefault, `${at}.valuesDefault`),
    ...check(rule.const, `${at}.const`),
    ...(typeof rule.default === 'string' && !rule.default.includes('{') ? check(rule.default, `${at}.default`) : []),
  ];
}

/**
 * Problems of one object's mapped fields. `fields` null: the object itself is missing or not
 * visible to the integration user.
 */
export function checkMappedFields(
  rules: Record<string, FieldRule>,
  fields: readonly CrmFieldInfo[] | null,
  at: string,
  object: string,
): FieldProblem[] {
  if (fields === null)
    return [{ path: at, message: `${object} does not exist or is not visible to the integration user` }];
  const byName = new Map(fields.map((f) => [f.name.toLowerCase(), f]));
  return Object.entries(rules).flatMap(([name, rule]): FieldProblem[] => {
    const path = `${at}.${name}`;
    const info = byName.get(name.replace(/@odata\.bind$/, '').toLowerCase());
    if (!info) {
      const near = closest(
        name,
        fields.map((f) => f.name),
      );
      return [
        {
          path,
          message: `${object} has no field ${name} (or the integration user cannot see it)${near ? `; did you mean "${near}"?` : ''}`,
        },
      ];
    }
    if (!info.writable) return [{ path, message: `${object}.${info.name} is read-only for the integration user` }];
    const type = typeProblem(rule, info);
    return [...(type ? [{ path, message: type }] : []), ...picklistProblems(rule, info, path)];
  });
}
