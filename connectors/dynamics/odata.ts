import { ValidationError } from '../../src/errors.ts';
import type { UpsertResult } from '../../src/ports/crm.ts';
import { wellFormed } from '../../src/text/well-formed.ts';
/*
 * OData literals and key segments for the Dataverse Web API. Pure; tested in odata.test.ts.
 * Values go into URLs, so every literal leaves here quoted and percent-encoded.
 */

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isGuid = (s: string): boolean => GUID.test(s);

/**
 * Characters that break access by alternate key even when encoded (Power Apps docs, "Define
 * alternate keys for a table": / < > * % & : \ ? +), plus `#` and control characters, which
 * no URL carries intact.
 */
const KEY_BREAKING = /[/<>*%&:\\?+#]/;
const isControl = (c: string): boolean => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f;
/** Alternate keys live in a SQL index limited to 900 bytes; referral ids are GUID-sized. */
const MAX_KEY_LENGTH = 255;

/** Null when `value` can be used in `set(key='value')`, else why not. */
export function keyValueProblem(value: string): string | null {
  if (value.trim() === '') return 'is empty';
  if (value.length > MAX_KEY_LENGTH) return `is longer than ${MAX_KEY_LENGTH} characters`;
  const bad = KEY_BREAKING.exec(value)?.[0] ?? [...value].find(isControl);
  if (bad !== undefined) return `contains ${JSON.stringify(bad)}, which Dataverse cannot use in a key`;
  return null;
}

/**
 * Per draft, the failed result of a referral id that cannot be an alternate-key value
 * (keyValueProblem), or undefined for one that can be sent.
 */
export const unkeyableResults = (drafts: readonly { referralId: string }[]): (UpsertResult | undefined)[] =>
  drafts.map((d) => {
    const problem = keyValueProblem(d.referralId);
    return problem === null
      ? undefined
      : {
          referralId: d.referralId,
          ok: false,
          error: new ValidationError(`referral id '${d.referralId.slice(0, 80)}' ${problem}`),
        };
  });

/**
 * `'O''Brien'`: an OData string literal (quotes doubled), not yet URL-encoded. Lone surrogates are
 * replaced: URL-encoding one throws, which failed a whole batch (issue 14).
 */
export const stringLiteral = (value: string): string => `'${wellFormed(value).replace(/'/g, "''")}'`;

/** A literal for `$filter`: strings quoted, numbers and booleans bare, null as `null`. */
export function filterLiteral(value: string | number | boolean | null): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return stringLiteral(value);
  return String(value);
}

/** `opportunities(new_referralid='REF-1')`, encoded for the URL path. */
export const byKey = (entitySet: string, column: string, value: string): string =>
  `${entitySet}(${column}=${encodeURIComponent(stringLiteral(value))})`;

/** `opportunities(00000000-…)`. The id must be a GUID (callers check with isGuid). */
export const byId = (entitySet: string, id: string): string => `${entitySet}(${id.toLowerCase()})`;

/** `/accounts(<guid>)` for `<nav>@odata.bind`. */
export const bindPath = (entitySet: string, id: string): string => `/${byId(entitySet, id)}`;

/**
 * `/accounts(new_referralsynckey='v')` for `<nav>@odata.bind`: a reference by alternate key
 * (Power Apps docs, "Use an alternate key to reference a record"), which resolves when the
 * write runs, so it can name a row created earlier in the same `$batch`. It travels in the JSON
 * body, not the URL: quoted, not percent-encoded. The value must pass keyValueProblem().
 */
export const bindPathByKey = (entitySet: string, column: string, value: string): string =>
  `/${entitySet}(${column}=${stringLiteral(value)})`;

/** A query string from OData options, each value URL-encoded (spaces, quotes in literals). */
export function query(options: Record<string, string | undefined>): string {
  const parts = Object.entries(options)
    .filter((e): e is [string, string] => e[1] !== undefined && e[1] !== '')
    .map(([k, v]) => `${k}=${encodeURIComponent(v)}`);
  return parts.length === 0 ? '' : `?${parts.join('&')}`;
}

/** Characters of `$filter` per GET: Dataverse takes URLs up to 32,768; the rest of the query fits below. */
export const MAX_FILTER_CHARS = 28_000;

/**
 * `a eq 'x' or a eq 'y'`, cut into groups whose URL-encoded text stays under `maxEncoded`
 * characters (Dataverse accepts URLs up to 32,768 characters: "Compose HTTP requests and
 * handle errors", Maximum URL length).
 */
export function chunkOr(conditions: string[], maxEncoded: number): string[] {
  const groups: string[] = [];
  let current: string[] = [];
  let size = 0;
  const OR = encodeURIComponent(' or ').length;
  for (const c of conditions) {
    const length = encodeURIComponent(c).length;
    if (current.length > 0 && size + OR + length > maxEncoded) {
      groups.push(current.join(' or '));
      current = [];
      size = 0;
    }
    size += (current.length > 0 ? OR : 0) + length;
    current.push(c);
  }
  if (current.length > 0) groups.push(current.join(' or '));
  return groups;
}
