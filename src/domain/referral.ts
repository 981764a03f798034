import { z } from 'zod';
import { faultAt, type Fault } from './fault.ts';
import { wellFormedDeep } from '../text/well-formed.ts';

/*
 * The Partner Center referral as the Referrals API v1.0 returns it (docs/partner-center-referrals-api.md, "The
 * referral resource", "Status and substatus").
 * Objects are loose: unknown fields are kept, because Microsoft adds fields without notice and a
 * PUT/PATCH round trip must not drop them. Enumerations are open strings: several values are
 * UNCONFIRMED in the reference (substatus `Error`, referralSource, callToAction), so an unknown
 * value passes through instead of failing the referral. The known values are listed for code
 * that branches on them.
 */

export const KNOWN_STATUSES = ['None', 'New', 'Active', 'Closed'] as const;
export const KNOWN_SUBSTATUSES = [
  'None',
  'Pending',
  'Received',
  'Accepted',
  'Won',
  'Lost',
  'Declined',
  'Expired',
  'Error', // UI/CSV only; UNCONFIRMED for the API.
] as const;

const nullableString = z.string().nullish();
const isoDate = z
  .string()
  .refine((s) => !Number.isNaN(Date.parse(s)), { message: 'not an ISO 8601 date-time' })
  .nullish();

const Address = z.looseObject({
  addressLine1: nullableString,
  addressLine2: nullableString,
  city: nullableString,
  state: nullableString,
  postalCode: nullableString,
  country: nullableString,
  region: nullableString,
});

const Member = z.looseObject({
  id: nullableString,
  firstName: nullableString,
  lastName: nullableString,
  email: nullableString,
  phoneNumber: nullableString,
});

const CustomerProfile = z.looseObject({
  name: nullableString,
  address: Address.nullish(),
  size: nullableString,
  team: z.array(Member).nullish(),
  ids: z.looseObject({}).nullish(),
});

const Details = z.looseObject({
  notes: nullableString,
  dealValue: z.number().nullish(),
  currency: nullableString,
  closingDateTime: isoDate,
  requirements: z.looseObject({}).nullish(),
});

export const Referral = z.looseObject({
  id: z.string().min(1),
  eTag: z.string().min(1),
  status: z.string().min(1),
  substatus: nullableString,
  statusReason: nullableString,
  engagementId: nullableString,
  organizationId: nullableString,
  name: nullableString,
  externalReferenceId: nullableString,
  createdDateTime: isoDate,
  updatedDateTime: isoDate,
  acceptedDateTime: isoDate,
  expirationDateTime: isoDate,
  type: nullableString,
  qualification: nullableString,
  direction: nullableString,
  referralSource: nullableString,
  callToAction: nullableString,
  customerProfile: CustomerProfile.nullish(),
  consent: z.looseObject({}).nullish(),
  details: Details.nullish(),
  team: z.array(Member).nullish(),
  inviteContext: z
    .looseObject({
      notes: nullableString,
      invitedBy: z.looseObject({ organizationId: nullableString, organizationName: nullableString }).nullish(),
    })
    .nullish(),
  links: z.looseObject({}).nullish(),
});
export type Referral = z.infer<typeof Referral>;

/** One page of `GET /v1.0/engagements/referrals`. Items are validated one by one by the caller. */
export const ReferralPage = z.looseObject({
  value: z.array(z.unknown()),
  '@odata.nextLink': z.string().nullish(),
});
export type ReferralPage = z.infer<typeof ReferralPage>;

/**
 * Terminal referrals (docs/partner-center-referrals-api.md, "Status and substatus"): no edits are accepted after
 * these.
 */
export const isTerminal = (r: Pick<Referral, 'status'>): boolean => r.status === 'Closed';

/**
 * JSON Patch as Partner Center accepts it: `replace` and `add` only (docs/partner-center-referrals-api.md, "Updates:
 * PATCH, If-Match and 412").
 */
export const JsonPatchOp = z.object({
  op: z.enum(['replace', 'add']),
  path: z.string().startsWith('/'),
  value: z.unknown(),
});
export type JsonPatchOp = z.infer<typeof JsonPatchOp>;

/**
 * Validates one raw referral. On failure the message names the first failing field path and the
 * referral id when the payload had one, e.g. `referral 42: eTag: Invalid input: expected string`.
 */
export function parseReferral(
  raw: unknown,
): { ok: true; referral: Referral } | { ok: false; id: string | undefined; error: string; fault: Fault } {
  // Partner Center text is typed by people: a lone surrogate would break URL encoding later (#14).
  const parsed = Referral.safeParse(wellFormedDeep(raw));
  if (parsed.success) return { ok: true, referral: parsed.data };
  const id =
    typeof raw === 'object' && raw !== null && typeof (raw as { id?: unknown }).id === 'string'
      ? (raw as { id: string }).id
      : undefined;
  const issues = parsed.error.issues
    .slice(0, 5)
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    .join('; ');
  const first = parsed.error.issues[0];
  return { ok: false, id, error: `referral ${id ?? '(no id)'}: ${issues}`, fault: faultAt(raw, first?.path ?? []) };
}
