import type { ShareLabels, ShareKind, ShareRules } from './share-rules.ts';
import type { ShareRequest } from './share-request.ts';

/*
 * Pure: a seller's share request -> Partner Center's create body (POST /v1.0/engagements/referrals),
 * or the list of what is missing, named as the seller sees the fields. Required fields and the
 * kinds: docs/partner-center-create-referral.md.
 */

/** The create body; externalReferenceId is the CRM record id (the link back from Partner Center). */
export interface ReferralCreateBody {
  name: string;
  externalReferenceId: string;
  type: 'Independent' | 'Shared';
  customerProfile: {
    name: string;
    address: { country: string };
    team: { firstName: string; lastName: string; email: string; phoneNumber?: string }[];
  };
  consent: { consentToShareReferralWithMicrosoftSellers: boolean; consentToContact: boolean };
  details: {
    dealValue: number;
    currency: string;
    closingDateTime: string;
    notes?: string;
    requirements: {
      solutions: { id: string }[];
      additionalRequirements?: { attributes: { type: string; id: string }[] };
    };
  };
}

export type BuiltReferral =
  | { ok: true; kind: ShareKind; body: ReferralCreateBody }
  | { ok: false; kind: ShareKind | null; missing: string[]; problems: string[] };

const text = (v: string | null | undefined): string | null => {
  const t = v?.trim();
  return t ? t : null;
};
const ISO2 = /^[A-Z]{2}$/;
const ISO4217 = /^[A-Z]{3}$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Solution ids as a seller types them or a multi-select picklist holds them (`a;b`). */
export const splitSolutions = (raw: string | null): string[] => [
  ...new Set(
    (raw ?? '')
      .split(/[;,\n\r]+/)
      .map((s) => s.trim())
      .filter(Boolean),
  ),
];

/** The deal kind: the visibility field's value when the mapping has one, else a help type makes a co-sell. */
export function shareKind(
  r: Pick<ShareRequest, 'visibility' | 'helpType'>,
  rules: ShareRules,
): { kind: ShareKind } | { unknown: string } {
  const raw = text(r.visibility);
  if (raw === null) return { kind: text(r.helpType) === null ? 'partner-led' : 'co-sell' };
  const key = Object.keys(rules.kinds).find((k) => k.trim().toLowerCase() === raw.toLowerCase());
  const kind = key === undefined ? undefined : rules.kinds[key];
  return kind === undefined ? { unknown: raw } : { kind };
}

export function buildReferral(r: ShareRequest, rules: ShareRules): BuiltReferral {
  const L: ShareLabels = rules.labels;
  const missing: string[] = [];
  const problems: string[] = [];
  const need = <T>(value: T | null, label: string): T | null => {
    if (value === null) missing.push(label);
    return value;
  };

  const resolved = shareKind(r, rules);
  const kind = 'kind' in resolved ? resolved.kind : null;
  if ('unknown' in resolved)
    problems.push(`${L.visibility} "${resolved.unknown}" is not one of ${Object.keys(rules.kinds).join(', ')}`);
  const shared = kind !== 'private';

  const name = need(text(r.name), L.name);
  const dealValue = r.dealValue !== null && r.dealValue > 0 ? r.dealValue : need(null, L.dealValue);
  const currency = need(text(r.currency)?.toUpperCase() ?? null, L.currency);
  if (currency !== null && !ISO4217.test(currency)) problems.push(`${L.currency} must be a 3-letter code such as EUR`);
  const closeDate = need(text(r.closeDate), L.closeDate);
  if (closeDate !== null && !DATE.test(closeDate)) problems.push(`${L.closeDate} is not a date`);
  const customerName = need(text(r.customer.name), L.customerName);
  const country = need(text(r.customer.country)?.toUpperCase() ?? null, L.customerCountry);
  if (country !== null && !ISO2.test(country))
    problems.push(`${L.customerCountry} must be a 2-letter code such as DE (it is "${country.slice(0, 40)}")`);

  const first = text(r.contact.firstName);
  const last = text(r.contact.lastName);
  const email = text(r.contact.email);
  // Partner Center needs a customer contact and a solution to share a deal with Microsoft.
  if (shared) {
    need(first, L.contactFirstName);
    need(last, L.contactLastName);
    need(email, L.contactEmail);
  }
  if (email !== null && !email.includes('@')) problems.push(`${L.contactEmail} is not an email address`);
  const solutions = splitSolutions(r.solutions);
  if (shared && solutions.length === 0) missing.push(L.solutions);

  const help = text(r.helpType);
  if (kind === 'co-sell' && help === null) missing.push(L.helpType);
  if (kind !== null && kind !== 'co-sell' && help !== null)
    problems.push(
      `${L.helpType} must be empty for a ${kind === 'private' ? 'private' : 'partner-led'} deal (or make it a co-sell)`,
    );

  if (
    missing.length > 0 ||
    problems.length > 0 ||
    kind === null ||
    name === null ||
    dealValue === null ||
    currency === null ||
    closeDate === null ||
    customerName === null ||
    country === null
  )
    return { ok: false, kind, missing, problems };

  const contact =
    first !== null && last !== null && email !== null
      ? [
          {
            firstName: first,
            lastName: last,
            email,
            ...(text(r.contact.phone) ? { phoneNumber: text(r.contact.phone) as string } : {}),
          },
        ]
      : [];
  const notes = text(r.notes);
  const helpValue = help === null ? null : (rules.helpTypes[help] ?? help);
  return {
    ok: true,
    kind,
    body: {
      name,
      externalReferenceId: r.crmId,
      type: kind === 'co-sell' ? 'Shared' : 'Independent',
      customerProfile: { name: customerName, address: { country }, team: contact },
      consent: { consentToShareReferralWithMicrosoftSellers: shared, consentToContact: rules.consentToContact },
      details: {
        dealValue,
        currency,
        closingDateTime: `${closeDate}T00:00:00Z`,
        ...(notes !== null ? { notes } : {}),
        requirements: {
          solutions: solutions.map((id) => ({ id })),
          ...(helpValue !== null
            ? { additionalRequirements: { attributes: [{ type: rules.helpAttributeType, id: helpValue }] } }
            : {}),
        },
      },
    },
  };
}

/** The sync message for a request that cannot be sent, in the seller's words. */
export function refusalMessage(built: Extract<BuiltReferral, { ok: false }>): string {
  const parts: string[] = [];
  if (built.missing.length > 0) parts.push(`fill in ${listOf(built.missing)}`);
  parts.push(...built.problems);
  return `Not shared with Microsoft yet: ${parts.join('; ')}. Save the opportunity again when done.`;
}

/** The sync message when Partner Center itself refused the referral (its message names the field). */
export const rejectedMessage = (reason: string): string =>
  `Partner Center refused to create the referral: ${reason.slice(0, 500)}. Correct it and save the opportunity again.`;

const listOf = (items: string[]): string =>
  items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1] as string}`;
