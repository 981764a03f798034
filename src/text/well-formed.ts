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

/**
 * A JSON-like value with `wellFormed` applied to every string, keys included. What holds no lone
 * surrogate (nearly every referral) comes back as the same object, not a copy (issue 19: the copy
 * of every listed and written-back referral was a tenth of the sync worker's allocations); what
 * holds one comes back as a copy, the input left as it was.
 */
export function wellFormedDeep(value: unknown): unknown {
  if (typeof value === 'string') return wellFormed(value);
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      const next = wellFormedDeep(v);
      if (next !== v) (copy ??= [...(value as unknown[])])[i] = next;
    }
    return copy ?? value;
  }
  if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    for (const k in obj) {
      if (!Object.prototype.hasOwnProperty.call(obj, k)) continue;
      const v = obj[k];
      if (wellFormed(k) !== k || wellFormedDeep(v) !== v)
        return Object.fromEntries(Object.entries(obj).map(([key, x]) => [wellFormed(key), wellFormedDeep(x)]));
    }
    return value;
  }
  return value;
}

/** CRM field values with `wellFormed` applied to the strings (account create fields, #14). */
export function wellFormedFields<V>(fields: Record<string, V>): Record<string, V> {
  return Object.fromEntries(
    Object.entries(fields).map(([k, v]) => [k, typeof v === 'string' ? (wellFormed(v) as V) : v]),
  );
}
