import type { OpportunityDraft } from '../ports/crm.ts';

/**
 * JSON with object keys sorted, so equal drafts give equal strings whatever the key order.
 * Undefined object values are left out; anything else JSON cannot hold reads `null`. Written as
 * loops over sorted keys (issue 19): the entries/sort/map/join version allocated a tenth of what
 * a sync job did. The strings are stored in sync state, so their form must never change.
 */
function stableStringify(value: unknown): string {
  if (typeof value !== 'object' || value === null) return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      // A hole stays empty, as Array.prototype.map and join left it.
      if (i in value) out += stableStringify(value[i]);
    }
    return `${out}]`;
  }
  return objectString(value as Record<string, unknown>, stableStringify);
}

/** `{"k":v,...}` over the defined values in key order, each value written by `write`. */
function objectString(obj: Record<string, unknown>, write: (v: unknown, key: string) => string): string {
  // Object.keys(...).sort() orders by UTF-16 code units, as the `<` comparison did.
  const names = Object.keys(obj).sort();
  let out = '{';
  for (const name of names) {
    const v = obj[name];
    if (v === undefined) continue;
    if (out.length > 1) out += ',';
    out += `${JSON.stringify(name)}:${write(v, name)}`;
  }
  return `${out}}`;
}

/**
 * cyrb53: a fast, well-distributed 53-bit string hash. Used only to tell "same mapped values as
 * last time" (compare before write), never for security; a collision would skip one write.
 */
function cyrb53(text: string, seed = 0): string {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  return finish(h1, h2);
}

function finish(a: number, b: number): string {
  const h1 = Math.imul(a ^ (a >>> 16), 2246822507) ^ Math.imul(b ^ (b >>> 13), 3266489909);
  const h2 = Math.imul(b ^ (b >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36);
}

/** cyrb53(text, 1) followed by cyrb53(text, 2), in one pass over the text (issue 19). */
function cyrb53Twice(text: string): string {
  let a1 = 0xdeadbeef ^ 1;
  let a2 = 0x41c6ce57 ^ 1;
  let b1 = 0xdeadbeef ^ 2;
  let b2 = 0x41c6ce57 ^ 2;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    a1 = Math.imul(a1 ^ ch, 2654435761);
    a2 = Math.imul(a2 ^ ch, 1597334677);
    b1 = Math.imul(b1 ^ ch, 2654435761);
    b2 = Math.imul(b2 ^ ch, 1597334677);
  }
  return `${finish(a1, a2)}${finish(b1, b2)}`;
}

/** Hash of everything the CRM would receive for this draft (fields and account). */
export function draftHash(draft: OpportunityDraft): string {
  return contentHash({ fields: draft.fields, account: draft.account });
}

/**
 * draftHash and fieldHashes of one draft, each field written out once for both (issue 19); the
 * same strings as the two functions give.
 */
export function draftHashes(draft: OpportunityDraft): { hash: string; hashes: Record<string, string> } {
  const hashes: Record<string, string> = {};
  const texts = new Map<string, string>();
  for (const name in draft.fields) {
    if (!Object.prototype.hasOwnProperty.call(draft.fields, name)) continue;
    const text = stableStringify(draft.fields[name]);
    texts.set(name, text);
    hashes[name] = cyrb53(text, 1);
  }
  const account = stableStringify(draft.account);
  if (draft.account !== null) hashes[ACCOUNT] = cyrb53(account, 1);
  const fields = objectString(draft.fields, (v, name) => texts.get(name) ?? stableStringify(v));
  // The object { fields, account } as stableStringify writes it: keys in order, account first.
  const text = draft.account === undefined ? `{"fields":${fields}}` : `{"account":${account},"fields":${fields}}`;
  return { hash: cyrb53Twice(text), hashes };
}

/** Stable hash of any JSON value (same content, same hash whatever the key order). */
export function contentHash(value: unknown): string {
  const text = stableStringify(value);
  return cyrb53Twice(text);
}

/** Key under which fieldHashes() keeps the account's hash (no CRM field name starts with '@'). */
const ACCOUNT = '@account';

/**
 * One short hash per field the draft writes (and one for its account): what the CRM last
 * received, field by field, so an update can send only what changed since (changedPart).
 */
export function fieldHashes(draft: OpportunityDraft): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(draft.fields)) out[name] = cyrb53(stableStringify(value), 1);
  if (draft.account !== null) out[ACCOUNT] = cyrb53(stableStringify(draft.account), 1);
  return out;
}

/**
 * The part of an update whose mapped values changed since the CRM last received `before`:
 * a seller's edit to any other field stays as the seller left it. Without `before` (state
 * written by an older version) the whole update. Null: nothing to send (e.g. a field that
 * became empty, which is left out of writes anyway).
 */
export function changedPart(
  update: OpportunityDraft,
  before: Readonly<Record<string, string>> | undefined,
  now: Readonly<Record<string, string>>,
): OpportunityDraft | null {
  if (before === undefined) return update;
  const fields = Object.fromEntries(Object.entries(update.fields).filter(([name]) => before[name] !== now[name]));
  const account = update.account !== null && before[ACCOUNT] !== now[ACCOUNT] ? update.account : null;
  if (Object.keys(fields).length === 0 && account === null) return null;
  return { referralId: update.referralId, fields, account };
}
