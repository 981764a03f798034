import { createHash } from 'node:crypto';
import type { FieldValue } from '../../src/ports/crm.ts';
import { canonicalMatch, matchOfRecord } from '../shared/account-match.ts';

export { matchSignature, normalizeMatchValue } from '../shared/account-match.ts';

/** Keys longer than this are hashed; the key field is a 255-char text External ID. */
const MAX_PLAIN_KEY = 100;

/**
 * The customer's identity stored in the Account key field (Salesforce enforces its uniqueness):
 * the readable canonical match (`billingcountry=de|name=contoso`), or `sha256:<hex>` when long.
 */
export function accountKey(match: Record<string, FieldValue>): string {
  const plain = canonicalMatch(match);
  return plain.length <= MAX_PLAIN_KEY ? plain : `sha256:${createHash('sha256').update(plain).digest('hex')}`;
}

/** The key a found record would have for the given match fields (SOQL answers in API-name case). */
export const accountKeyFromRecord = (fields: string[], record: Record<string, unknown>): string =>
  accountKey(matchOfRecord(fields, record));
