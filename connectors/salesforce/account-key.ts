import { createHash } from 'node:crypto';
import type { FieldValue } from '../../src/ports/crm.ts';

/** Keys longer than this are hashed; the key field is a 255-char text External ID. */
const MAX_PLAIN_KEY = 100;

/** How a match value compares: trimmed, lowercase (SOQL `=` on text ignores case), null = ''. */
export function normalizeMatchValue(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value.trim().toLowerCase();
  if (typeof value === 'number' || typeof value === 'boolean') return String(value).toLowerCase();
  return '';
}

/** Sorted field names of a match: tuples with the same signature compare field by field. */
export const matchSignature = (fields: Iterable<string>): string[] =>
  [...fields].sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : a.toLowerCase() > b.toLowerCase() ? 1 : 0));

/**
 * The customer's identity as one string, stored in the Account key field so that concurrent
 * upserts of the same new customer land on one record (Salesforce enforces uniqueness).
 * `name=contoso|billingcountry=de`-style; `\` and `|` in values are escaped so joins cannot
 * collide; long keys become `sha256:<hex>`.
 */
export function accountKey(match: Record<string, FieldValue>): string {
  const plain = matchSignature(Object.keys(match))
    .map((field) => `${field.toLowerCase()}=${normalizeMatchValue(match[field]).replace(/[\\|]/g, (c) => `\\${c}`)}`)
    .join('|');
  return plain.length <= MAX_PLAIN_KEY ? plain : `sha256:${createHash('sha256').update(plain).digest('hex')}`;
}

/**
 * The key a found record would have for the given match fields. Field names are looked up
 * case-insensitively: SOQL accepts any case, the response uses the API name's case.
 */
export function accountKeyFromRecord(fields: string[], record: Record<string, unknown>): string {
  const byLower = new Map(Object.entries(record).map(([k, v]) => [k.toLowerCase(), v]));
  const match: Record<string, FieldValue> = {};
  for (const f of fields) {
    const v = byLower.get(f.toLowerCase());
    match[f] = typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : null;
  }
  return accountKey(match);
}
