/*
 * A lone UTF-16 surrogate (half of a pair) cannot be encoded as UTF-8: encodeURIComponent throws
 * "URI malformed" on it, and one such customer name failed a whole account lookup batch
 * (issue 14). People never type one on purpose, so it is replaced with U+FFFD, the Unicode
 * replacement character, the way String.prototype.toWellFormed (ES2024, not in our lib) does.
 */

// No `u` flag: the pattern must see code units. Each branch looks one unit around: linear.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** `text` with every lone surrogate replaced by U+FFFD; well-formed text comes back unchanged. */
export const wellFormed = (text: string): string => text.replace(LONE_SURROGATE, '\uFFFD');

/** A JSON-like value with `wellFormed` applied to every string, keys included. */
export function wellFormedDeep(value: unknown): unknown {
  if (typeof value === 'string') return wellFormed(value);
  if (Array.isArray(value)) return value.map(wellFormedDeep);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [wellFormed(k), wellFormedDeep(v)]));
  }
  return value;
}

/** CRM field values with `wellFormed` applied to the strings (account create fields, #14). */
export function wellFormedFields<V>(fields: Record<string, V>): Record<string, V> {
  return Object.fromEntries(
    Object.entries(fields).map(([k, v]) => [k, typeof v === 'string' ? (wellFormed(v) as V) : v]),
  );
}
