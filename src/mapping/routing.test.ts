import { describe, expect, it } from 'vitest';
import { referral } from './referral-examples.fixture.ts';
import { routeReferral, Routing } from './routing.ts';
import { parseMapping } from './schema.ts';

const routing = Routing.parse({
  default: 'salesforce',
  rules: [
    { crm: 'dynamics', when: [{ path: 'customerProfile.address.country', in: ['DE', 'AT', 'CH'] }] },
    {
      crm: 'dynamics',
      match: 'all',
      when: [
        { path: 'category', equals: 'co-sell' },
        { path: 'type', equals: 'Shared' },
      ],
    },
  ],
});
const LINK = 'https://example.invalid/{id}';

describe('routeReferral', () => {
  it.each([
    ['a German customer -> dynamics', { customerProfile: { address: { country: 'DE' } } }, 'dynamics'],
    [
      'a US marketplace lead -> default salesforce',
      { customerProfile: { address: { country: 'US' } }, type: 'Independent', qualification: 'Direct' },
      'salesforce',
    ],
    [
      'a shared co-sell -> dynamics (all conditions)',
      {
        type: 'Shared',
        qualification: 'SalesQualified',
        inviteContext: { invitedBy: { organizationId: 'partner-org' } },
      },
      'dynamics',
    ],
    ['no country at all -> default', {}, 'salesforce'],
  ])('%s', (_name, fields, crm) => {
    expect(routeReferral(routing, referral(fields), LINK)).toBe(crm);
  });

  it('refuses a route to a CRM the mapping file has no section for', () => {
    const parsed = parseMapping({
      version: 1,
      salesforce: {
        externalIdField: 'Referral_Id__c',
        fields: { Name: { const: 'n' }, StageName: { const: 's' }, CloseDate: { const: '2025-01-01' } },
      },
      routing: { default: 'salesforce', rules: [{ crm: 'dynamics', when: [{ path: 'status', equals: 'New' }] }] },
    });
    expect(parsed.ok).toBe(false);
    if (!parsed.ok)
      expect(parsed.errors).toContain(
        'routing.rules.0.crm: routes to dynamics, but the mapping file has no dynamics section',
      );
  });
});
