import { randomUUID } from 'node:crypto';
import type { Referral } from '../../../src/domain/referral.ts';
import { newETag } from './referral-index.ts';

/*
 * Invented referrals in the documented shapes (docs/partner-center-referrals-api.md, "The referral resource",
 * "Referral category"). All companies, people
 * and ids are made up; emails use the reserved .example domain.
 */

export type ReferralKind = 'marketplace-lead' | 'qualified-lead' | 'co-sell' | 'outgoing-won';

const COMPANIES = [
  { name: 'Kestrel Freight AB', city: 'Gothenburg', postalCode: '41104', country: 'SE', size: '51to250employees' },
  {
    name: 'Lakeshore Dental Group',
    city: 'Chicago',
    state: 'IL',
    postalCode: '60601',
    country: 'US',
    size: '10to50employees',
  },
  { name: 'Orchid Textiles Pvt Ltd', city: 'Pune', postalCode: '411001', country: 'IN', size: '251to1000employees' },
  { name: 'Vintry Wine Merchants', city: 'Bordeaux', postalCode: '33000', country: 'FR', size: '1to9employees' },
  {
    name: 'Summit Ridge County Schools',
    city: 'Boulder',
    state: 'CO',
    postalCode: '80302',
    country: 'US',
    size: '1001to5000employees',
  },
  {
    name: 'Tidewater Energy plc',
    city: 'Aberdeen',
    postalCode: 'AB10 1AB',
    country: 'GB',
    size: '5001to10000employees',
  },
] as const;
const CONTACTS = [
  ['Ines', 'Marquardt'],
  ['Tomás', 'Ferreira'],
  ['Priya', 'Raman'],
  ['Kwame', 'Asante'],
  ['Yuki', 'Tanaka'],
  ['Ola', 'Nordmann'],
] as const;
const SOLUTIONS = [
  { id: 'SOL-10421-NWD', name: 'Northwind Cloud Landing Zone', type: 'Name' },
  { id: 'SOL-20877-NWD', name: 'Northwind Field Service Accelerator', type: 'Name' },
] as const;

let counter = 0;
const pick = <T>(list: readonly T[], i: number): T => list[i % list.length] as T;
const iso = (ms: number): string => new Date(ms).toISOString();
const day = 86_400_000;

function base(i: number, createdMs: number): Referral {
  const company = pick(COMPANIES, i);
  const [firstName, lastName] = pick(CONTACTS, i);
  const { name, size, ...address } = company;
  return {
    id: randomUUID(),
    engagementId: randomUUID(),
    organizationId: 'b7c1e0f2-5a44-4c1e-9d7e-3f2a1b0c9d8e',
    organizationName: 'Northwind Cloud Partners',
    createdDateTime: iso(createdMs),
    updatedDateTime: iso(createdMs),
    expirationDateTime: iso(Math.ceil((createdMs + 14 * day) / day) * day), // midnight UTC, as in the samples
    status: 'New',
    substatus: 'Pending',
    type: 'Independent',
    qualification: 'Direct',
    direction: 'Incoming',
    customerProfile: {
      name,
      size,
      address,
      team: [
        {
          firstName,
          lastName,
          email: `${firstName.toLowerCase()}.${lastName.toLowerCase()}@customer${i % 97}.example`,
        },
      ],
      ids: {},
    },
    consent: { consentToContact: true, consentToShareReferralWithMicrosoftSellers: true },
    details: {
      notes: `Looking for help with ${pick(['Teams Phone', 'Azure migration', 'Dynamics 365 Sales', 'Defender rollout'], i)}.`,
    },
    team: [],
    eTag: newETag(),
  };
}

const MICROSOFT = { organizationId: 'msft', organizationName: 'Microsoft' };

const SHAPES: Record<ReferralKind, (r: Referral, i: number) => Referral> = {
  // Independent + Direct + invited by Microsoft (or nobody) = marketplace lead (docs/partner-center-referrals-api.md,
  // "Referral category").
  'marketplace-lead': (r) => ({
    ...r,
    referralSource: 'AppSource',
    callToAction: 'ContactMe',
    inviteContext: { invitedBy: { organizationId: 'msft' } },
  }),
  'qualified-lead': (r) => ({ ...r, qualification: 'MarketingQualified', inviteContext: { invitedBy: MICROSOFT } }),
  'co-sell': (r, i) => ({
    ...r,
    type: 'Shared',
    qualification: 'SalesQualified',
    name: `${r.customerProfile?.name ?? 'Customer'} co-sell`,
    details: {
      notes: r.details?.notes,
      dealValue: 25_000 + (i % 40) * 5_000,
      currency: 'USD',
      closingDateTime: iso(Date.parse(r.createdDateTime ?? '') + 90 * day),
      requirements: { solutions: [pick(SOLUTIONS, i)] },
    },
    team: [{ firstName: 'Marta', lastName: 'Kowalski', email: 'marta.kowalski@northwind.example' }],
    inviteContext: { notes: 'Customer asked for a Microsoft partner.', invitedBy: MICROSOFT },
  }),
  'outgoing-won': (r, i) => ({
    ...r,
    direction: 'Outgoing',
    qualification: 'None',
    status: 'Closed',
    substatus: 'Won',
    statusReason: 'Signed 3-year agreement',
    expirationDateTime: null,
    acceptedDateTime: r.createdDateTime,
    name: `${r.customerProfile?.name ?? 'Customer'} renewal`,
    details: { dealValue: 40_000 + (i % 10) * 1_000, currency: 'EUR', closingDateTime: r.createdDateTime },
  }),
};

/**
 * One realistic referral. `overrides` are merged shallowly: pass a whole `details` object to
 * change one detail. Each call gets fresh ids and an eTag.
 */
export function makeReferral(overrides: Partial<Referral> = {}, kind: ReferralKind = 'co-sell'): Referral {
  const i = counter++;
  const createdMs = overrides.createdDateTime
    ? Date.parse(overrides.createdDateTime)
    : Date.parse('2025-03-03T09:00:00Z') + i * 60_000;
  return { ...SHAPES[kind](base(i, createdMs), i), ...overrides };
}

/**
 * `n` referrals of mixed kinds with strictly increasing updatedDateTime, `stepMs` apart from
 * `start`: for paging tests and the benchmark (seed them with `fake.seed`).
 */
export function makeReferrals(n: number, start = Date.parse('2025-01-01T00:00:00Z'), stepMs = 1_000): Referral[] {
  const kinds: ReferralKind[] = ['co-sell', 'marketplace-lead', 'qualified-lead', 'co-sell', 'outgoing-won'];
  return Array.from({ length: n }, (_, i) => {
    const at = iso(start + i * stepMs);
    return makeReferral({ createdDateTime: at, updatedDateTime: at }, pick(kinds, i));
  });
}
