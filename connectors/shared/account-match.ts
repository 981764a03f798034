import type { FieldValue } from '../../src/ports/crm.ts';

/*
 * A customer's identity for "find or create the account" in any CRM: the match fields and their
 * values in one canonical string. Each connector stores it (as is or hashed) in a unique key
 * field, so concurrent upserts of the same new customer land on one account.
 */

/** How a match value compares: trimmed, lower case (SOQL `=` and Dataverse `eq` ignore case), null = ''. */
export function normalizeMatchValue(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value.trim().toLowerCase();
  if (typeof value === 'number' || typeof value === 'boolean') return String(value).toLowerCase();
  return '';
}

/** Field names sorted case-insensitively: tuples with the same signature compare field by field. */
export const matchSignature = (fields: Iterable<string>): string[] =>
  [...fields].sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : a.toLowerCase() > b.toLowerCase() ? 1 : 0));

/**
 * `billingcountry=de|name=contoso`: lower-cased field names in signature order, normalised
 * values, with `\\` and `|` escaped so different tuples can never join to the same string.
 */
export function canonicalMatch(match: Record<string, FieldValue>): string {
  return matchSignature(Object.keys(match))
    .map((field) => `${field.toLowerCase()}=${normalizeMatchValue(match[field]).replace(/[\\|]/g, (c) => `\\${c}`)}`)
    .join('|');
}

/** The match values an existing record has for these fields (looked up case-insensitively). */
export function matchOfRecord(fields: readonly string[], record: Record<string, unknown>): Record<string, FieldValue> {
  const byLower = new Map(Object.entries(record).map(([k, v]) => [k.toLowerCase(), v]));
  const match: Record<string, FieldValue> = {};
  for (const f of fields) {
    const v = byLower.get(f.toLowerCase());
    match[f] = typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : null;
  }
  return match;
}
