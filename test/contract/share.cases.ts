import { expect } from 'vitest';
import type { ContractTest } from './crm-harness.ts';

/*
 * Sharing opportunities with Microsoft (issue 16), the same on every CRM: the share query lists the
 * opportunities a seller flagged and that hold no referral yet, reads the customer and contact
 * through their lookups, and linking takes one out of the list for good.
 */

const fabrikam = {
  name: 'Fabrikam data platform',
  amount: 120_000,
  closeDate: '2026-09-30',
  customerName: 'Fabrikam Foods GmbH',
  country: 'DE',
  contact: { firstName: 'Jonas', lastName: 'Keller', email: 'jonas.keller@fabrikam.example' },
  solutions: 'SOL-1;SOL-2',
  helpType: 'Proof of concept/demo',
};

export function shareCases(test: ContractTest): void {
  test(
    'share-lists-flagged',
    'lists flagged opportunities without a referral, with customer and contact',
    async (h) => {
      const shared = await h.sellerSharesOpportunity(fabrikam);
      await h.sellerSharesOpportunity({ ...fabrikam, name: 'Not flagged', flag: false });
      h.sellerCreates('Ordinary opportunity');

      const { requests, invalid } = await h.connector.listShareRequests();
      expect(invalid).toEqual([]);
      expect(requests).toEqual([
        expect.objectContaining({
          crmId: shared,
          referralId: null,
          flag: true,
          name: 'Fabrikam data platform',
          dealValue: 120_000,
          closeDate: '2026-09-30',
          helpType: 'Proof of concept/demo',
          solutions: 'SOL-1;SOL-2',
          customer: { name: 'Fabrikam Foods GmbH', country: 'DE' },
          contact: expect.objectContaining({
            firstName: 'Jonas',
            lastName: 'Keller',
            email: 'jonas.keller@fabrikam.example',
          }),
        }),
      ]);
    },
  );

  test(
    'share-link',
    'linking writes the referral key and link, clears the message, and ends the listing',
    async (h) => {
      const crmId = await h.sellerSharesOpportunity(fabrikam);
      await h.connector.writeStatus(crmId, { message: 'Not shared with Microsoft yet: fill in …' });
      await h.connector.linkReferral(crmId, { referralId: 'R-SHARED-1', url: 'https://example.test/R-SHARED-1' });

      expect((await h.connector.listShareRequests()).requests).toEqual([]);
      expect(await h.connector.getShareRequest(crmId)).toMatchObject({ referralId: 'R-SHARED-1' });
      expect(h.opportunities()).toEqual([expect.objectContaining({ crmId, referralId: 'R-SHARED-1', message: null })]);
      expect(h.linkOf(crmId)).toBe('https://example.test/R-SHARED-1');
    },
  );

  test('share-without-contact', 'an opportunity without a contact reads with an empty contact', async (h) => {
    const crmId = await h.sellerSharesOpportunity({ ...fabrikam, contact: null });
    expect(await h.connector.getShareRequest(crmId)).toMatchObject({
      contact: { firstName: null, lastName: null, email: null, phone: null },
    });
  });

  test('share-unknown', 'an opportunity that does not exist reads as null', async (h) => {
    expect(await h.connector.getShareRequest(h.unknownCrmId)).toBeNull();
  });
}
