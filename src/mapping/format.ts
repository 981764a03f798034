import type { Format } from './field-rule.ts';

/** A value on its way through a rule; Date only comes from `defaultDaysFromNow`. */
export type RuleValue = string | number | boolean | Date;

export type Formatted = { ok: true; value: string | number | boolean } | { ok: false; problem: string };

/*
 * ISO 8601 as Partner Center sends it: a date, optionally with a time and offset. Checked
 * before Date.parse because V8 also accepts free text ("June 30") and rolls 2025-02-30 over
 * into March.
 */
const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i;
const TRUE_TEXT = ['true', 'yes', '1'];
const FALSE_TEXT = ['false', 'no', '0'];

function toDate(value: RuleValue): Date | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value;
  if (typeof value !== 'string') return undefined;
  const match = ISO_DATE_TIME.exec(value);
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const calendar = new Date(Date.UTC(year, month - 1, day));
  if (calendar.getUTCMonth() !== month - 1 || calendar.getUTCDate() !== day) return undefined;
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : new Date(time);
}

const asText = (value: RuleValue): string => (value instanceof Date ? value.toISOString() : String(value));

/** Converts a value to the rule's `format`; without one, values keep their JSON type. */
export function formatValue(value: RuleValue, format: Format | undefined): Formatted {
  switch (format) {
    case undefined:
      return { ok: true, value: value instanceof Date ? value.toISOString() : value };
    case 'string':
      return { ok: true, value: asText(value) };
    case 'uppercase':
      return { ok: true, value: asText(value).toUpperCase() };
    case 'date':
    case 'datetime': {
      const date = toDate(value);
      if (!date) return { ok: false, problem: 'is not an ISO 8601 date' };
      const iso = date.toISOString();
      return { ok: true, value: format === 'date' ? iso.slice(0, 10) : iso };
    }
    case 'number': {
      if (typeof value === 'number') return { ok: true, value };
      const number = typeof value === 'string' && DECIMAL.test(value) ? Number(value) : Number.NaN;
      return Number.isFinite(number) ? { ok: true, value: number } : { ok: false, problem: 'is not a number' };
    }
    case 'boolean': {
      if (typeof value === 'boolean') return { ok: true, value };
      const text = asText(value).toLowerCase();
      if (TRUE_TEXT.includes(text)) return { ok: true, value: true };
      if (FALSE_TEXT.includes(text)) return { ok: true, value: false };
      return { ok: false, problem: 'is not true/false' };
    }
  }
}

/**
 * Cuts text to `max` UTF-16 code units, the unit Salesforce and Dataverse count field lengths
 * in, so the result fits however the CRM counts. A surrogate pair (an emoji, say) is never split.
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const lastKept = text.charCodeAt(max - 1);
  const end = lastKept >= 0xd800 && lastKept <= 0xdbff ? max - 1 : max;
  return text.slice(0, end).trimEnd();
}
