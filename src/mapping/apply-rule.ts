import type { Referral } from '../domain/referral.ts';
import { MappingError } from '../errors.ts';
import type { FieldValue } from '../ports/crm.ts';
import { readSource } from './derived.ts';
import type { FieldRule } from './field-rule.ts';
import { formatValue, truncate, type RuleValue } from './format.ts';
import { parseTemplate, renderTemplate } from './template.ts';

export interface RuleContext {
  referral: Referral;
  /** The sync time, passed in: rules never read the clock. */
  now: Date;
  /** The mapping's `referralLink`, for the derived field `link`. */
  linkTemplate: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Applies one rule, in this order:
 * 1. source: `const` as is; `from` read from the referral; `template` rendered. Text is trimmed;
 *    null, missing and blank are "empty", and so is a template whose placeholders are all empty.
 * 2. `values`: a listed source value is replaced (the key is the value as text); an unlisted one
 *    becomes `valuesDefault` when set, else passes through unchanged.
 * 3. empty: `defaultDaysFromNow` (now + N days), else `default` (text defaults are templates;
 *    `default: null` clears the field), else `required` raises MappingError, else the field is
 *    left out of the draft, so a value someone typed into the CRM is not wiped because the
 *    referral lacks it.
 * 4. `format`, then `maxLength`. A mapped or constant null is written as null (clears the field).
 * Errors name the rule path (`at`) and the referral, never the referral's values (they may be
 * customer data and BullMQ stores error messages).
 *
 * Also tells whether the value is for creation only: the rule says `createOnly`, or the value is a
 * `defaultDaysFromNow` date (it moves every day, and rewriting it would push a seller's close date forward on every sync).
 */
export function applyRuleWithOrigin(
  rule: FieldRule,
  at: string,
  ctx: RuleContext,
): { value: FieldValue | undefined; createOnly: boolean } {
  let createOnly = rule.createOnly === true;
  const value = applyRuleInner(rule, at, ctx, () => {
    createOnly = true;
  });
  return { value, createOnly };
}

function applyRuleInner(
  rule: FieldRule,
  at: string,
  ctx: RuleContext,
  usedDaysFromNow: () => void,
): FieldValue | undefined {
  const fail = (message: string) => new MappingError(message, at, ctx.referral.id);

  let value: RuleValue | null | undefined;
  let label: string;
  if (rule.const !== undefined) {
    value = rule.const;
    label = 'const';
  } else if (rule.from !== undefined) {
    value = toRuleValue(readSource(ctx.referral, rule.from, ctx.linkTemplate), rule.from, fail);
    label = rule.from;
  } else {
    value = renderRuleTemplate(rule.template ?? '', ctx, fail);
    label = 'template';
  }

  if (value !== undefined && value !== null && rule.values) {
    const key = String(value);
    if (Object.hasOwn(rule.values, key)) {
      value = rule.values[key];
      label = 'the values entry';
    } else if (rule.valuesDefault !== undefined) {
      value = rule.valuesDefault;
      label = 'valuesDefault';
    }
  }

  const source = label;
  if (value === undefined) {
    if (rule.defaultDaysFromNow !== undefined) {
      value = new Date(ctx.now.getTime() + rule.defaultDaysFromNow * DAY_MS);
      label = 'defaultDaysFromNow';
      usedDaysFromNow();
    } else if (typeof rule.default === 'string') {
      value = renderRuleTemplate(rule.default, ctx, fail);
      label = 'default';
    } else if (rule.default !== undefined) {
      value = rule.default;
      label = 'default';
    }
  }

  if (value === undefined) {
    if (rule.required)
      throw fail(
        `is required, but ${source === 'template' ? 'the template is empty' : `the referral has no ${source}`}`,
      );
    return undefined;
  }
  if (value === null) return null;
  const formatted = formatValue(value, rule.format);
  if (!formatted.ok) throw fail(`${label} ${formatted.problem}`);
  const result = typeof formatted.value === 'string' ? formatted.value.trim() : formatted.value;
  return typeof result === 'string' && rule.maxLength !== undefined ? truncate(result, rule.maxLength) : result;
}

/** Narrows a value read from the referral; empty text and null become undefined. */
function toRuleValue(raw: unknown, path: string, fail: (message: string) => MappingError): RuleValue | undefined {
  if (raw === null || raw === undefined) return undefined;
  if (typeof raw === 'string') return raw.trim() === '' ? undefined : raw.trim();
  if (typeof raw === 'number') {
    if (!Number.isFinite(raw)) throw fail(`${path} is not a finite number`);
    return raw;
  }
  if (typeof raw === 'boolean') return raw;
  throw fail(`${path} is ${Array.isArray(raw) ? 'a list' : 'an object'}, not a single value`);
}

function renderRuleTemplate(
  template: string,
  ctx: RuleContext,
  fail: (message: string) => MappingError,
): string | undefined {
  const parsed = parseTemplate(template);
  if (!parsed.ok) throw fail(parsed.error); // validated at load; only reachable with an unvalidated mapping
  const { text, empty } = renderTemplate(parsed.parts, (path) => {
    const value = toRuleValue(readSource(ctx.referral, path, ctx.linkTemplate), path, fail);
    return value === undefined ? '' : String(value);
  });
  const trimmed = text.trim();
  return empty || trimmed === '' ? undefined : trimmed;
}
