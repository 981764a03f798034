import { Referral } from '../domain/referral.ts';

/*
 * Test data for src/mapping and jobs/mapping-file tests: the invented example payloads of
 * docs/partner-center-referrals-api.md, "The referral resource" (the five example shapes), parsed through the
 * Referral schema like real API responses.
 */

export const marketplaceInquiry = Referral.parse({
  id: '0b6f3c1e-4a52-4c7e-9d1a-1f2e3d4c5b6a',
  engagementId: '7d9e8f00-1111-4a2b-8c3d-000000000001',
  createdDateTime: '2025-03-03T09:14:00Z',
  updatedDateTime: '2025-03-03T09:14:00Z',
  expirationDateTime: '2025-03-17T00:00:00Z',
  status: 'New',
  substatus: 'Pending',
  qualification: 'Direct',
  type: 'Independent',
  direction: 'Incoming',
  customerProfile: {
    name: 'Bluefin Logistics GmbH',
    address: { city: 'Hamburg', postalCode: '20457', country: 'DE' },
    size: '51to250employees',
    team: [{ firstName: 'Lena', lastName: 'Vogt', email: 'lena@bluefin.example' }],
  },
  consent: { consentToContact: true },
  details: { notes: 'Need Teams Phone for 120 users' },
  inviteContext: { invitedBy: { organizationId: 'msft' } },
  eTag: '"a1000000-0000-0000-0000-65e4a1b80000"',
});

const salesQualifiedCoSell = Referral.parse({
  id: '3c2b1a00-9f8e-4d7c-b6a5-222222222222',
  engagementId: '8e7d6c5b-0000-4000-9000-000000000002',
  name: 'Harbor Health landing zone',
  externalReferenceId: '006Dn00000AbCdEIAV',
  acceptedDateTime: '2025-02-12T08:40:00Z',
  status: 'Active',
  substatus: 'Accepted',
  qualification: 'SalesQualified',
  type: 'Shared',
  direction: 'Incoming',
  customerProfile: {
    name: 'Harbor Health Network',
    address: { city: 'Seattle', state: 'WA', country: 'US' },
    size: '1001to5000employees',
  },
  details: {
    dealValue: 180000,
    currency: 'USD',
    closingDateTime: '2025-06-30T00:00:00Z',
    requirements: { solutions: [{ id: 'SOL-55555-ABC', name: 'Northwind Landing Zone', type: 'Name' }] },
  },
  team: [{ firstName: 'Omar', lastName: 'Haddad', email: 'omar@northwind.example' }],
  inviteContext: { invitedBy: { organizationId: 'msft', organizationName: 'Microsoft' } },
  eTag: '"b2000000-0000-0000-0000-65e4a1b80001"',
});

const declinedLead = Referral.parse({
  id: '44aa55bb-0000-4000-8000-333333333333',
  status: 'Closed',
  substatus: 'Declined',
  statusReason: 'Customer requirement not met',
  qualification: 'MarketingQualified',
  type: 'Independent',
  direction: 'Incoming',
  eTag: '"c3000000-0000-0000-0000-65e4a1b80002"',
});

const wonOutgoing = Referral.parse({
  id: '55cc66dd-0000-4000-8000-444444444444',
  name: 'Contoso Retail D365 Sales',
  status: 'Closed',
  substatus: 'Won',
  statusReason: 'Signed 3-year agreement',
  type: 'Independent',
  direction: 'Outgoing',
  consent: { consentToShareReferralWithMicrosoftSellers: true },
  details: { dealValue: 64000, currency: 'EUR', closingDateTime: '2025-04-15T00:00:00Z' },
  eTag: '"d4000000-0000-0000-0000-65e4a1b80003"',
});

const expiredLead = Referral.parse({
  id: '66ee77ff-0000-4000-8000-555555555555',
  status: 'Closed',
  substatus: 'Expired',
  qualification: 'SalesQualified',
  type: 'Independent',
  direction: 'Incoming',
  createdDateTime: '2025-01-06T10:00:00Z',
  expirationDateTime: '2025-01-20T00:00:00Z',
  customerProfile: { name: 'Quarry Lane Schools', address: { country: 'GB' } },
  eTag: '"e5000000-0000-0000-0000-65e4a1b80004"',
});

export const EXAMPLES = { marketplaceInquiry, salesQualifiedCoSell, declinedLead, wonOutgoing, expiredLead };

/** A minimal valid referral with the given fields on top. */
export const referral = (fields: Record<string, unknown> = {}): Referral =>
  Referral.parse({ id: 'ref-1', eTag: '"e1"', status: 'New', ...fields });
