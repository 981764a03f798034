import type { FieldValue } from '../../src/ports/crm.ts';
import { wellFormed } from '../../src/text/well-formed.ts';

/*
 * SOQL building blocks. Field names are never escaped, only validated (ApiName); values go
 * through `soqlLiteral`.
 */

const STRING_ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  "'": "\\'",
  '"': '\\"',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
};

/**
 * A quoted SOQL string literal: backslash, quotes and control characters escaped, lone surrogates
 * replaced (the query travels URL-encoded, and encoding one throws: issue 14).
 */
export function soqlString(value: string): string {
  return `'${wellFormed(value).replace(/[\\'"\n\r\t\b\f]/g, (c) => STRING_ESCAPES[c] ?? c)}'`;
}

/** Literal for a mapped value: strings quoted, finite numbers and booleans bare, null as NULL. */
export function soqlLiteral(value: FieldValue): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return soqlString(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (!Number.isFinite(value)) throw new RangeError('not a finite number');
  return String(value);
}

/**
 * A SOQL dateTime literal: unquoted ISO 8601 in UTC, e.g. `2025-01-01T00:00:00Z`. Floored to
 * the second (the documented literal formats carry no fraction); callers compare with `>=`,
 * so flooring only widens the window.
 */
export function soqlDateTime(at: Date): string {
  const ms = at.getTime();
  if (!Number.isFinite(ms)) throw new RangeError('not a valid date');
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A 15- or 18-character record id: safe to put in a URL path or a SOQL literal. */
export const RECORD_ID = /^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$/;

/**
 * Salesforce caps a request URI at 16,384 bytes (REST API limits) and a SOQL statement at
 * 100,000 characters; queries travel as `GET /query?q=<url-encoded>`, so the encoded length is
 * what counts. 12,000 leaves room for host, path and headers.
 */
const MAX_ENCODED_SOQL = 12_000;

/**
 * Splits OR-able conditions into groups whose full query (`head` + joined conditions + `tail`)
 * stays under `maxEncoded` once URL-encoded. A single oversized condition gets its own group.
 */
export function chunkConditions(
  head: string,
  conditions: string[],
  tail: string,
  maxEncoded = MAX_ENCODED_SOQL,
): string[][] {
  const fixed = encodeURIComponent(head).length + encodeURIComponent(tail).length;
  const sep = encodeURIComponent(' OR ').length;
  const groups: string[][] = [];
  let current: string[] = [];
  let size = fixed;
  for (const c of conditions) {
    const len = encodeURIComponent(c).length + (current.length > 0 ? sep : 0);
    if (current.length > 0 && size + len > maxEncoded) {
      groups.push(current);
      current = [];
      size = fixed;
    }
    size += encodeURIComponent(c).length + (current.length > 0 ? sep : 0);
    current.push(c);
  }
  if (current.length > 0) groups.push(current);
  return groups;
}
