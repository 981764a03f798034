import { describe, expect, it } from 'vitest';
import { toLeadDraft } from './apply-lead.ts';
import { landsAsLead } from './lead-section.ts';
import { marketplaceInquiry, referral } from './referral-examples.fixture.ts';
import { parseMapping, type Mapping } from './schema.ts';

const OPPORTUNITY = {
  Name: { from: 'name' },
  StageName: { const: 'Prospecting' },
  CloseDate: { from: 'details.closingDateTime', format: 'date' },
};
const LEAD = {
  Company: { from: 'customerProfile.name', default: 'Unknown' },
  LastName: { from: 'customerProfile.team.0.lastName', default: 'Unknown' },
  Email: { from: 'customerProfile.team.0.email' },
  Status: { const: 'Open - Not Contacted', createOnly: true },
};

const mappingWith = (extra: Record<string, unknown> = {}, lead: Record<string, unknown> | null = { fields: LEAD }) => ({
  version: 1,
  salesforce: { externalIdField: 'Referral_Id__c', fields: OPPORTUNITY, ...(lead ? { lead } : {}) },
  ...extra,
});

const parsed = (data: unknown): Mapping => {
  const r = parseMapping(data);
  if (!r.ok) throw new Error(r.errors.join('\n'));
  return r.mapping;
};
const errorsOf = (data: unknown): string[] => {
  const r = parseMapping(data);
  return r.ok ? [] : r.errors;
};

const marketplaceLead = referral({ type: 'Independent', qualification: 'Direct', status: 'New' });
const qualifiedLead = referral({
  type: 'Independent',
  qualification: 'SalesQualified',
  status: 'New',
  inviteContext: { invitedBy: { organizationId: 'msft' } },
});
const coSell = referral({ type: 'Shared', qualification: 'SalesQualified', status: 'New' });

describe('the lead mapping (issue 16)', () => {
  it('fills the lead section defaults', () => {
    const lead = parsed(mappingWith()).salesforce?.lead;
    expect([lead?.object, lead?.externalIdField, lead?.decline.statuses]).toEqual([
      'Lead',
      'Referral_Id__c',
      ['Closed - Not Converted'],
    ]);
  });

  it.each<[string, unknown, string[]]>([
    [
      'a lead without Company and LastName',
      mappingWith({}, { fields: { Email: { from: 'customerProfile.team.0.email' } } }),
      ['salesforce.lead.fields: Lead needs LastName, Company on create; missing: LastName, Company'],
    ],
    [
      'the key field mapped as a lead field',
      mappingWith({}, { fields: { ...LEAD, referral_id__c: { from: 'id' } } }),
      ['salesforce.lead.fields.referral_id__c: is the upsert key; the connector fills it with the referral id'],
    ],
    [
      'an unknown referral path in a lead field (the same rule language and checks)',
      mappingWith({}, { fields: { ...LEAD, Phone: { from: 'customerProfile.team.0.phone' } } }),
      ['salesforce.lead.fields.Phone.from: unknown referral field "customerProfile.team.0.phone"'],
    ],
    [
      'a leads rule with no lead section anywhere',
      mappingWith({ leads: { when: [{ path: 'category', equals: 'co-sell' }] } }, null),
      ['leads: needs a lead section in salesforce or dynamics'],
    ],
    [
      'a leads rule condition on an unknown path',
      mappingWith({ leads: { when: [{ path: 'categry', equals: 'co-sell' }] } }),
      ['leads.when.0.path: unknown referral field "categry" (did you mean "category"?)'],
    ],
  ])('rejects %s', (_name, data, errors) => {
    expect(errorsOf(data)).toEqual(errors);
  });
});

describe('landsAsLead', () => {
  it.each([
    ['a New marketplace lead', marketplaceLead, true],
    ['a New qualified lead', qualifiedLead, true],
    ['a co-sell', coSell, false],
    ['a marketplace lead already accepted in Partner Center', { ...marketplaceLead, status: 'Active' }, false],
  ])('default rule (Microsoft connectors): %s -> %s', (_name, r, expected) => {
    expect(landsAsLead(parsed(mappingWith()), 'salesforce', r)).toBe(expected);
  });

  it('never without a lead section for that CRM', () => {
    expect(landsAsLead(parsed(mappingWith({}, null)), 'salesforce', marketplaceLead)).toBe(false);
  });

  it('follows a leads rule of the mapping file', () => {
    const mapping = parsed(mappingWith({ leads: { when: [{ path: 'category', in: ['marketplace-lead'] }] } }));
    expect([marketplaceLead, qualifiedLead].map((r) => landsAsLead(mapping, 'salesforce', r))).toEqual([true, false]);
  });
});

describe('toLeadDraft', () => {
  it('maps the lead fields (contact from customerProfile.team) and never an account', () => {
    const draft = toLeadDraft(
      'salesforce',
      marketplaceInquiry,
      new Date('2025-03-10T00:00:00Z'),
      parsed(mappingWith()),
    );
    expect([draft.account, draft.createOnly, Object.keys(draft.fields).sort()]).toEqual([
      null,
      ['Status'],
      ['Company', 'Email', 'LastName', 'Status'],
    ]);
    expect([draft.fields.Company, draft.fields.LastName]).toEqual(['Bluefin Logistics GmbH', 'Vogt']);
  });
});
