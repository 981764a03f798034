import { createHash } from 'node:crypto';
import type { FieldValue } from '../../src/ports/crm.ts';
import { canonicalMatch, matchOfRecord } from '../shared/account-match.ts';

export { normalizeMatchValue } from '../shared/account-match.ts';

/**
 * The customer's identity as one alternate-key value (Dataverse enforces the key's uniqueness):
 * always hashed, `rs1-<sha256 hex>` of the canonical match, because company names carry `&`, `/`
 * and `:`, which Dataverse cannot use in a key (odata.ts), and the value travels in the URL.
 */
export const accountKey = (match: Record<string, FieldValue>): string =>
  `rs1-${createHash('sha256').update(canonicalMatch(match)).digest('hex')}`;

/** The key an existing row has for these match fields (columns read case-insensitively). */
export const accountKeyOfRow = (fields: string[], row: Record<string, unknown>): string =>
  accountKey(matchOfRecord(fields, row));
