import { Referral } from '../../src/domain/referral.ts';

/*
 * Referrals for the CRM contract, parsed like Partner Center responses. Customers carry every
 * field either default mapping matches accounts on (Salesforce: name + country; Dynamics:
 * name + postal code), so "same customer" means the same account in both CRMs.
 */

export interface Customer {
  name: string;
  city: string;
  postalCode: string;
  country: string;
}

export const CONTOSO: Customer = {
  name: 'Contoso Pharmaceuticals',
  city: 'Berlin',
  postalCode: '10115',
  country: 'DE',
};
export const FABRIKAM: Customer = { name: 'Fabrikam Outdoor', city: 'Redmond', postalCode: '98052', country: 'US' };

const DAY = 86_400_000;

/** A new incoming referral `n` (1-999) for `customer`, with a deal value of n × 1,000 USD. */
export function contractReferral(n: number, customer: Customer, now: Date = new Date()): Referral {
  return Referral.parse({
    id: `5a1e0000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    eTag: `"e${n}"`,
    status: 'New',
    substatus: 'Pending',
    name: `Contract deal ${n}`,
    direction: 'Incoming',
    type: 'Independent',
    qualification: 'SalesQualified',
    createdDateTime: new Date(now.getTime() - DAY).toISOString(),
    expirationDateTime: new Date(now.getTime() + 13 * DAY).toISOString(),
    customerProfile: {
      name: customer.name,
      address: { city: customer.city, postalCode: customer.postalCode, country: customer.country },
    },
    details: {
      dealValue: n * 1000,
      currency: 'USD',
      closingDateTime: '2030-06-30T00:00:00Z',
      notes: `Needs ${n} seats`,
    },
  });
}
