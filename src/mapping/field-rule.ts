import { z } from 'zod';
import { CATEGORIES } from './category.ts';
import { checkReferralPath, knownReferralPaths } from './referral-paths.ts';
import { parseTemplate, templatePaths } from './template.ts';

/*
 * One target field's rule in the mapping file: where the value comes from (exactly one of
 * `from`, `const`, `template`) and what happens to it on the way (values → format → maxLength;
 * `default` when the source is empty). apply-rule.ts documents the order; this file only
 * validates, with messages that follow the rule's path.
 */

const FORMATS = ['date', 'datetime', 'number', 'string', 'boolean', 'uppercase'] as const;
export type Format = (typeof FORMATS)[number];

const ScalarOrNull = z.union([z.string(), z.number(), z.boolean(), z.null()]);

const SOURCES = ['from', 'const', 'template'] as const;
const NOT_ON_CONST = [
  'values',
  'valuesDefault',
  'default',
  'required',
  'defaultDaysFromNow',
  'allowUnknownPath',
] as const;

type Ctx = z.core.$RefinementCtx;

/** Adds an issue at `key` when `path` is not a known referral path (or derived field). */
export function checkPathAt(ctx: Ctx, key: PropertyKey[], path: string, allowUnknown: boolean | undefined): void {
  if (allowUnknown) return;
  const check = checkReferralPath(path);
  if (!check.ok) ctx.addIssue({ code: 'custom', path: key, message: check.reason });
}

/** Adds issues for a template's syntax and for each placeholder path. */
export function checkTemplateAt(
  ctx: Ctx,
  key: PropertyKey[],
  template: string,
  allowUnknown: boolean | undefined,
): void {
  const parsed = parseTemplate(template);
  if (!parsed.ok) {
    ctx.addIssue({ code: 'custom', path: key, message: parsed.error });
    return;
  }
  for (const path of templatePaths(parsed.parts)) checkPathAt(ctx, key, path, allowUnknown);
}

const RuleObject = z.strictObject({
  from: z.string().min(1).optional().meta({
    description:
      'Dotted path into the referral (e.g. details.dealValue), or a derived field: category, link, deadline.',
    examples: knownReferralPaths(),
  }),
  const: ScalarOrNull.optional().meta({ description: 'A fixed value written as is (null clears the field).' }),
  template: z.string().min(1).optional().meta({
    description:
      'Text with {path} placeholders, e.g. "{customerProfile.name} ({category})". {{ and }} are literal braces.',
  }),
  default: ScalarOrNull.optional().meta({
    description:
      'Used when the source is missing, null or blank; null clears the field. A text default may contain {path} placeholders.',
  }),
  required: z.boolean().optional().meta({ description: 'Fail the referral (MappingError) when the source is empty.' }),
  values: z.record(z.string(), ScalarOrNull).optional().meta({
    description:
      'Picklist translation: source value -> CRM value. Unlisted values pass through unless valuesDefault is set.',
  }),
  valuesDefault: ScalarOrNull.optional().meta({ description: 'CRM value for a source value not listed in values.' }),
  format: z.enum(FORMATS).optional().meta({
    description: 'date: YYYY-MM-DD (UTC); datetime: ISO 8601 UTC; number; string; boolean; uppercase.',
  }),
  maxLength: z.int().positive().optional().meta({
    description:
      'Truncate text to this many UTF-16 code units without splitting a character (Salesforce/Dataverse limits).',
  }),
  defaultDaysFromNow: z.int().min(0).optional().meta({
    description: 'When the date is missing: the sync time plus this many days (needs format date or datetime).',
  }),
  createOnly: z.boolean().optional().meta({
    description: 'Write this field only when the record is created (e.g. StageName, which sellers move on afterwards).',
  }),
  allowUnknownPath: z.boolean().optional().meta({
    description: 'Accept paths the referral schema does not list (fields Microsoft added later).',
  }),
});

export const FieldRule = RuleObject.superRefine(checkRule).meta({
  id: 'FieldRule',
  title: 'Field rule',
  description: 'How one CRM field gets its value. Exactly one of from, const, template.',
  oneOf: SOURCES.map((key) => ({ required: [key] })),
});
export type FieldRule = z.infer<typeof FieldRule>;

function checkRule(rule: z.infer<typeof RuleObject>, ctx: Ctx): void {
  const sources = SOURCES.filter((key) => rule[key] !== undefined);
  if (sources.length === 0) ctx.addIssue({ code: 'custom', path: [], message: 'needs one of from, const or template' });
  if (sources.length > 1)
    ctx.addIssue({ code: 'custom', path: [], message: `has ${sources.join(' and ')}; use only one` });

  if (rule.from !== undefined) checkPathAt(ctx, ['from'], rule.from, rule.allowUnknownPath);
  if (rule.template !== undefined) checkTemplateAt(ctx, ['template'], rule.template, rule.allowUnknownPath);
  if (typeof rule.default === 'string') checkTemplateAt(ctx, ['default'], rule.default, rule.allowUnknownPath);

  if (rule.const !== undefined) {
    for (const key of NOT_ON_CONST) {
      if (rule[key] !== undefined)
        ctx.addIssue({ code: 'custom', path: [key], message: 'has no effect on a const rule' });
    }
    return;
  }
  if (rule.valuesDefault !== undefined && rule.values === undefined) {
    ctx.addIssue({ code: 'custom', path: ['valuesDefault'], message: 'needs a values map' });
  }
  if (rule.from === 'category' && rule.values) {
    for (const key of Object.keys(rule.values)) {
      if (!(CATEGORIES as readonly string[]).includes(key)) {
        ctx.addIssue({
          code: 'custom',
          path: ['values', key],
          message: `is not a category (${CATEGORIES.join(', ')})`,
        });
      }
    }
  }
  if (rule.required && (rule.default !== undefined || rule.defaultDaysFromNow !== undefined)) {
    ctx.addIssue({ code: 'custom', path: ['required'], message: 'has no effect together with a default' });
  }
  if (rule.defaultDaysFromNow !== undefined) {
    if (rule.format !== 'date' && rule.format !== 'datetime') {
      ctx.addIssue({ code: 'custom', path: ['defaultDaysFromNow'], message: 'needs format: date or datetime' });
    }
    if (rule.default !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['defaultDaysFromNow'],
        message: 'use either default or defaultDaysFromNow, not both',
      });
    }
  }
  if (rule.maxLength !== undefined && (rule.format === 'number' || rule.format === 'boolean')) {
    ctx.addIssue({
      code: 'custom',
      path: ['maxLength'],
      message: `applies to text, but format ${rule.format} produces none`,
    });
  }
}
