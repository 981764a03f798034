import { describe, expect, it } from 'vitest';
import { categorize, type Category } from './category.ts';
import { EXAMPLES } from './referral-examples.fixture.ts';

type Row = [
  type: string | null,
  qualification: string | null,
  invitedBy: string | null,
  direction: string | null,
  expected: Category,
];

describe('categorize (the category table of docs/partner-center-referrals-api.md)', () => {
  it.each<Row>([
    // Marketplace lead: Independent + Direct, sent by Microsoft or nobody.
    ['Independent', 'Direct', 'msft', 'Incoming', 'marketplace-lead'],
    ['Independent', 'Direct', null, 'Incoming', 'marketplace-lead'],
    ['Independent', 'Direct', 'MSFT', 'Incoming', 'marketplace-lead'],
    ['Independent', 'Direct', 'partner-org-1', 'Incoming', 'unknown'],
    // Qualified lead: Independent + Sales/MarketingQualified, sent by Microsoft.
    ['Independent', 'SalesQualified', 'msft', 'Incoming', 'qualified-lead'],
    ['Independent', 'MarketingQualified', 'msft', 'Incoming', 'qualified-lead'],
    ['Independent', 'MarketingQualified', null, 'Incoming', 'unknown'],
    ['Independent', 'SalesQualified', null, 'Incoming', 'unknown'],
    // Co-sell: SalesQualified/None from our own or another partner's org.
    ['Independent', 'SalesQualified', 'partner-org-1', 'Incoming', 'co-sell'],
    ['Independent', 'None', 'partner-org-1', 'Incoming', 'co-sell'],
    ['Shared', 'SalesQualified', 'partner-org-1', 'Incoming', 'co-sell'],
    ['Shared', 'None', 'partner-org-1', 'Incoming', 'co-sell'],
    ['Independent', 'MarketingQualified', 'partner-org-1', 'Incoming', 'unknown'],
    // Inference: Shared with SalesQualified/None is co-sell even when Microsoft sent it (example 9b).
    ['Shared', 'SalesQualified', 'msft', 'Incoming', 'co-sell'],
    ['Shared', 'MarketingQualified', 'msft', 'Incoming', 'unknown'],
    ['Shared', 'Direct', null, 'Incoming', 'unknown'],
    // Inference: an outgoing referral without inviteContext was created by our own org.
    ['Independent', null, null, 'Outgoing', 'co-sell'],
    ['Independent', 'None', null, 'Incoming', 'unknown'],
    // Missing or unexpected type.
    [null, 'Direct', 'msft', 'Incoming', 'unknown'],
    ['Private', 'Direct', 'msft', 'Incoming', 'unknown'],
  ])('type %s, qualification %s, invitedBy %s, %s -> %s', (type, qualification, invitedBy, direction, expected) => {
    const inviteContext = invitedBy === null ? null : { invitedBy: { organizationId: invitedBy } };
    expect(categorize({ type, qualification, direction, inviteContext })).toBe(expected);
  });

  it('does not classify on referralSource or callToAction', () => {
    const base = { type: 'Independent', qualification: 'None', direction: 'Incoming', inviteContext: null };
    expect(categorize({ ...base, referralSource: 'AppSource', callToAction: 'ContactMe' } as never)).toBe('unknown');
  });

  it.each([
    ['marketplaceInquiry', 'marketplace-lead'],
    ['salesQualifiedCoSell', 'co-sell'],
    ['declinedLead', 'unknown'],
    ['wonOutgoing', 'co-sell'],
    ['expiredLead', 'unknown'],
  ] as const)('classifies reference example %s as %s', (name, expected) => {
    expect(categorize(EXAMPLES[name])).toBe(expected);
  });
});
