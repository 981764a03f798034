import type { Referral } from '../domain/referral.ts';
import type { AccountDraft, CrmKind, FieldValue, OpportunityDraft } from '../ports/crm.ts';
import { toOpportunityDraft } from './apply.ts';
import { conditionHolds } from './contact-me.ts';
import type { Mapping } from './schema.ts';

/*
 * What a mapping version makes of one referral (the studio's preview and impact, issue 17).
 * Pure: no CRM is asked; the draft is what a sync would send.
 */

export interface Deployment {
  kinds: readonly CrmKind[];
  both: boolean;
}

export interface Route {
  crm: CrmKind;
  /** e.g. `routing rule 2`, `routing default`, `the only CRM`. */
  why: string;
}

/** The CRM the referral goes to under `mapping`, and which rule decided. */
export function routeOf(mapping: Mapping, referral: Referral, d: Deployment): Route {
  const only = d.kinds[0] ?? 'salesforce';
  if (!d.both || !mapping.routing) return { crm: only, why: 'the only CRM' };
  const rules = mapping.routing.rules;
  for (const [i, rule] of rules.entries()) {
    const holds = (c: (typeof rule.when)[number]) => conditionHolds(c, referral, mapping.referralLink);
    if (rule.match === 'any' ? rule.when.some(holds) : rule.when.every(holds))
      return { crm: rule.crm, why: `routing rule ${i + 1}` };
  }
  return { crm: mapping.routing.default, why: 'routing default' };
}

export type Mapped =
  | { ok: true; route: Route; draft: OpportunityDraft }
  /** The referral would be parked: the MappingError's message. */
  | { ok: false; route: Route; error: string };

export function mapReferral(mapping: Mapping, referral: Referral, now: Date, d: Deployment): Mapped {
  const route = routeOf(mapping, referral, d);
  try {
    return { ok: true, route, draft: toOpportunityDraft(route.crm, referral, now, mapping) };
  } catch (err) {
    return { ok: false, route, error: err instanceof Error ? err.message : String(err) };
  }
}

export interface PreviewField {
  name: string;
  value: FieldValue;
  createOnly: boolean;
  /** Under the version in force: absent when that one does not write the field. */
  before?: FieldValue;
  /** Differs from what the version in force writes (or writes it, where that one does not). */
  changed: boolean;
}

export interface Preview {
  route: Route;
  /** The route under the version in force, when it differs. */
  routeBefore?: Route;
  fields: PreviewField[];
  /** Written by the version in force, not by this one (left as they are in the CRM). */
  dropped: string[];
  account: AccountDraft | null;
  /** Set when the referral would be parked under this version. */
  error: string | null;
  errorBefore: string | null;
}

/** The referral under an edited version, field by field, beside the version in force. */
export function previewReferral(
  referral: Referral,
  now: Date,
  after: Mapping,
  before: Mapping | undefined,
  d: Deployment,
): Preview {
  const a = mapReferral(after, referral, now, d);
  const b = before ? mapReferral(before, referral, now, d) : undefined;
  const old = b?.ok && b.route.crm === a.route.crm ? b.draft.fields : {};
  const fields: PreviewField[] = a.ok
    ? Object.entries(a.draft.fields).map(([name, value]) => ({
        name,
        value,
        createOnly: a.draft.createOnly?.includes(name) === true,
        ...(Object.hasOwn(old, name) ? { before: old[name] as FieldValue } : {}),
        changed: !Object.hasOwn(old, name) || old[name] !== value,
      }))
    : [];
  const written = new Set(fields.map((f) => f.name));
  return {
    route: a.route,
    ...(b && b.route.crm !== a.route.crm ? { routeBefore: b.route } : {}),
    fields,
    dropped: a.ok ? Object.keys(old).filter((n) => !written.has(n)) : [],
    account: a.ok ? a.draft.account : null,
    error: a.ok ? null : a.error,
    errorBefore: b && !b.ok ? b.error : null,
  };
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

/**
 * Whether the value stored in the CRM equals the mapped one: instants compared as instants
 * (Salesforce answers `...000+0000` where we write `...Z`), numbers as numbers, text exactly.
 */
export function sameCrmValue(mapped: FieldValue, stored: FieldValue | undefined): boolean {
  if (stored === undefined) return false;
  if (mapped === stored) return true;
  if (typeof mapped === 'string' && typeof stored === 'string' && ISO_INSTANT.test(mapped) && ISO_INSTANT.test(stored))
    return Date.parse(mapped) === Date.parse(stored);
  if (typeof mapped === 'number' || typeof stored === 'number') return Number(mapped) === Number(stored);
  return false;
}
