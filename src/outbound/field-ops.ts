import type { JsonPatchOp, Referral } from '../domain/referral.ts';
import type { TeamContact } from './crm-snapshot.ts';
import type { EditField } from './outbound-rules.ts';
import { emailKey, type SnapshotValues } from './snapshot-values.ts';

/*
 * JSON Patch ops for the fields whose CRM value really differs from the referral's current value
 * (docs/partner-center-referrals-api.md, "Updates: PATCH, If-Match and 412": `replace`/`add` only). A CRM value that
 * is empty never clears Partner Center:
 * an empty field in the CRM is more often "not filled in" than "remove it". Team members are only
 * added (`/team/-`): the API has no remove, and a contact missing from the CRM team is not a
 * request to drop them from the referral.
 */

export interface FieldOpsInput {
  referral: Referral;
  values: SnapshotValues;
  contacts: readonly TeamContact[];
  fields: readonly EditField[];
  campaignIdPath: string;
}

const unescape = (seg: string): string => seg.replace(/~1/g, '/').replace(/~0/g, '~');

/** Reads a JSON Pointer; undefined when any step is missing. */
export function readPointer(doc: unknown, path: string): unknown {
  let at: unknown = doc;
  for (const seg of path.split('/').slice(1).map(unescape)) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<string, unknown>)[seg];
  }
  return at;
}

/** `replace` where the member exists (as Microsoft's samples do), else `add`. */
export const setOp = (referral: Referral, path: string, value: unknown): JsonPatchOp => ({
  op: readPointer(referral, path) === undefined ? 'add' : 'replace',
  path,
  value,
});

/** `YYYY-MM-DD` of an ISO date-time, in UTC; null when absent or unparseable. */
export function utcDay(iso: string | null | undefined): string | null {
  if (!iso) return null;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString().slice(0, 10);
}

/** Partner Center stores the closing date as a date-time; we send midnight UTC of the CRM date. */
const toClosingDateTime = (day: string): string => `${day}T00:00:00Z`;

function fieldOp(input: FieldOpsInput, field: Exclude<EditField, 'team'>): JsonPatchOp | null {
  const { referral: r, values: v } = input;
  const d = r.details;
  switch (field) {
    case 'name':
      return v.name !== null && v.name !== r.name ? setOp(r, '/name', v.name) : null;
    case 'dealValue':
      return v.dealValue !== null && v.dealValue !== d?.dealValue ? setOp(r, '/details/dealValue', v.dealValue) : null;
    case 'currency':
      return v.currency !== null && v.currency !== d?.currency?.toUpperCase()
        ? setOp(r, '/details/currency', v.currency)
        : null;
    case 'closingDateTime':
      return v.closeDate !== null && v.closeDate !== utcDay(d?.closingDateTime)
        ? setOp(r, '/details/closingDateTime', toClosingDateTime(v.closeDate))
        : null;
    case 'notes':
      return v.notes !== null && v.notes !== d?.notes ? setOp(r, '/details/notes', v.notes) : null;
    case 'campaignId':
      return v.campaignId !== null && v.campaignId !== readPointer(r, input.campaignIdPath)
        ? setOp(r, input.campaignIdPath, v.campaignId)
        : null;
  }
}

function teamOps(input: FieldOpsInput): JsonPatchOp[] {
  const known = new Set((input.referral.team ?? []).flatMap((m) => (m.email ? [emailKey(m.email)] : [])));
  const seen = new Set<string>();
  const added = input.contacts.filter((c) => {
    const key = emailKey(c.email);
    if (known.has(key) || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const member = (c: TeamContact) => ({
    firstName: c.firstName,
    lastName: c.lastName,
    email: c.email.trim(),
    ...(c.phoneNumber ? { phoneNumber: c.phoneNumber } : {}),
  });
  if (added.length === 0) return [];
  if (!Array.isArray(input.referral.team)) return [{ op: 'add', path: '/team', value: added.map(member) }];
  return added.map((c) => ({ op: 'add', path: '/team/-', value: member(c) }));
}

/** Ops for `fields`, in that order; adds a missing parent object (e.g. `/details`) first. */
export function fieldOps(input: FieldOpsInput): JsonPatchOp[] {
  const ops: JsonPatchOp[] = [];
  for (const field of input.fields) {
    if (field === 'team') {
      ops.push(...teamOps(input));
      continue;
    }
    const op = fieldOp(input, field);
    if (!op) continue;
    const parent = op.path.slice(0, op.path.lastIndexOf('/'));
    const parentMissing = parent !== '' && readPointer(input.referral, parent) == null;
    if (parentMissing && !ops.some((o) => o.path === parent)) ops.push({ op: 'add', path: parent, value: {} });
    ops.push(op);
  }
  return ops;
}
