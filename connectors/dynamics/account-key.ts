import { createHash } from 'node:crypto';
import type { FieldValue } from '../../src/ports/crm.ts';

/*
 * The customer's identity as one alternate-key value, so that concurrent upserts of the same
 * new customer land on one account (Dataverse enforces the key's uniqueness). The same idea as
 * the Salesforce connector's key, but always hashed: company names carry `&`, `/` and `:`,
 * which Dataverse cannot use in a key (odata.ts), and the value travels in the URL.
 */

/** How a match value compares: trimmed, lower case (Dataverse `eq` ignores case), null = ''. */
export function normalizeMatchValue(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value.trim().toLowerCase();
  if (typeof value === 'number' || typeof value === 'boolean') return String(value).toLowerCase();
  return '';
}

/** `rs1-<sha256 hex>` of `field=value|…` over the sorted, lower-cased field names. */
export function accountKey(match: Record<string, FieldValue>): string {
  const plain = Object.keys(match)
    .map((f) => f.toLowerCase())
    .sort()
    .map((f) => {
      const value = Object.entries(match).find(([k]) => k.toLowerCase() === f)?.[1];
      return `${f}=${normalizeMatchValue(value).replace(/[\\|]/g, (c) => `\\${c}`)}`;
    })
    .join('|');
  return `rs1-${createHash('sha256').update(plain).digest('hex')}`;
}

/** The key an existing row has for these match fields (columns read case-insensitively). */
export function accountKeyOfRow(fields: string[], row: Record<string, unknown>): string {
  const byLower = new Map(Object.entries(row).map(([k, v]) => [k.toLowerCase(), v]));
  const match: Record<string, FieldValue> = {};
  for (const f of fields) {
    const v = byLower.get(f.toLowerCase());
    match[f] = typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : null;
  }
  return accountKey(match);
}
