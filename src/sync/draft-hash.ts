import type { OpportunityDraft } from '../ports/crm.ts';

/** JSON with object keys sorted, so equal drafts give equal strings whatever the key order. */
function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
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
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36);
}

/** Hash of everything the CRM would receive for this draft (fields and account). */
export function draftHash(draft: OpportunityDraft): string {
  return contentHash({ fields: draft.fields, account: draft.account });
}

/** Stable hash of any JSON value (same content, same hash whatever the key order). */
export function contentHash(value: unknown): string {
  const text = stableStringify(value);
  return `${cyrb53(text, 1)}${cyrb53(text, 2)}`;
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
