import { describe, expect, it } from 'vitest';
import { MappingError } from '../errors.ts';
import type { FieldValue } from '../ports/crm.ts';
import { toOpportunityDraft } from './apply.ts';
import { marketplaceInquiry, referral } from './referral-examples.fixture.ts';
import { parseMapping, type Mapping } from './schema.ts';

const NOW = new Date('2025-03-04T10:00:00Z');
const REQUIRED_SF = { Name: { const: 'n' }, StageName: { const: 's' }, CloseDate: { const: '2025-01-01' } };

/** Builds a validated mapping whose salesforce section has the one rule `X__c` under test. */
function mappingWith(rule: Record<string, unknown>, extra: Record<string, unknown> = {}): Mapping {
  const parsed = parseMapping({
    version: 1,
    salesforce: { externalIdField: 'Referral_Id__c', fields: { ...REQUIRED_SF, X__c: rule } },
    ...extra,
  });
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
  return parsed.mapping;
}

const mapX = (
  rule: Record<string, unknown>,
  fields: Record<string, unknown> = {},
  extra: Record<string, unknown> = {},
) => toOpportunityDraft('salesforce', referral(fields), NOW, mappingWith(rule, extra)).fields['X__c'];

type Row = [
  name: string,
  rule: Record<string, unknown>,
  referralFields: Record<string, unknown>,
  expected: FieldValue | undefined,
];

describe('create-only fields', () => {
  it.each([
    ['createOnly: true', { const: 'x', createOnly: true }, {}, ['X__c']],
    [
      'a defaultDaysFromNow date that was used',
      { from: 'details.closingDateTime', format: 'date', defaultDaysFromNow: 90 },
      {},
      ['X__c'],
    ],
    [
      'a defaultDaysFromNow date that was not needed',
      { from: 'details.closingDateTime', format: 'date', defaultDaysFromNow: 90 },
      { details: { closingDateTime: '2025-06-30T00:00:00Z' } },
      [],
    ],
    ['an ordinary rule', { from: 'name' }, { name: 'Deal' }, []],
  ] as const)('%s', (_name, rule, fields, expected) => {
    const draft = toOpportunityDraft('salesforce', referral(fields), NOW, mappingWith(rule));
    expect(draft.createOnly).toEqual(expected);
  });
});

describe('toOpportunityDraft field rules', () => {
  it.each<Row>([
    ['from: a text field, trimmed', { from: 'name' }, { name: '  Deal  ' }, 'Deal'],
    ['from: a number', { from: 'details.dealValue' }, { details: { dealValue: 180000 } }, 180000],
    [
      'from: a boolean in an open object',
      { from: 'consent.consentToContact' },
      { consent: { consentToContact: true } },
      true,
    ],
    [
      'from: an array item',
      { from: 'customerProfile.team.0.email' },
      { customerProfile: { team: [{ email: 'a@b.example' }] } },
      'a@b.example',
    ],
    ['from: missing -> left out', { from: 'name' }, {}, undefined],
    ['from: blank -> left out', { from: 'name' }, { name: '   ' }, undefined],
    ['from: null -> left out', { from: 'name' }, { name: null }, undefined],
    ['from: status verbatim', { from: 'status' }, { status: 'Active' }, 'Active'],
    ['from: substatus verbatim', { from: 'substatus' }, { substatus: 'Accepted' }, 'Accepted'],
    ['from: category', { from: 'category' }, { type: 'Independent', qualification: 'Direct' }, 'marketplace-lead'],
    [
      'from: link',
      { from: 'link' },
      { id: 'ab c' },
      'https://partner.microsoft.com/dashboard/referrals/v2/leads/ab%20c',
    ],
    [
      'from: deadline = expirationDateTime',
      { from: 'deadline' },
      { expirationDateTime: '2025-03-17T00:00:00Z' },
      '2025-03-17T00:00:00.000Z',
    ],
    [
      'from: deadline = created + 14 days',
      { from: 'deadline' },
      { createdDateTime: '2025-03-03T09:14:00Z' },
      '2025-03-17T09:14:00.000Z',
    ],
    [
      'from: no deadline once accepted',
      { from: 'deadline' },
      { status: 'Active', createdDateTime: '2025-03-03T09:14:00Z' },
      undefined,
    ],
    [
      'from: no deadline once accepted, though expirationDateTime stays (#15)',
      { from: 'deadline' },
      { status: 'Active', expirationDateTime: '2025-03-17T00:00:00Z' },
      undefined,
    ],
    [
      'from: no deadline once closed (#15)',
      { from: 'deadline' },
      { status: 'Closed', expirationDateTime: '2025-03-17T00:00:00Z' },
      undefined,
    ],
    [
      'from: no deadline for outgoing',
      { from: 'deadline' },
      { direction: 'Outgoing', createdDateTime: '2025-03-03T09:14:00Z' },
      undefined,
    ],
    [
      'from: unknown path allowed explicitly',
      { from: 'partnerNote', allowUnknownPath: true },
      { partnerNote: 'x' },
      'x',
    ],
    ['const text', { const: 'Partner Center' }, {}, 'Partner Center'],
    ['const false', { const: false }, {}, false],
    ['const null clears', { const: null }, {}, null],
    ['const is literal', { const: '{name}' }, { name: 'n' }, '{name}'],
    [
      'template',
      { template: '{customerProfile.name} ({category})' },
      { customerProfile: { name: 'Acme' } },
      'Acme (unknown)',
    ],
    ['template, one part empty', { template: '{name} / {customerProfile.name}' }, { name: 'Deal' }, 'Deal /'],
    ['template, all parts empty -> left out', { template: '{name} referral' }, {}, undefined],
    [
      'template with a number',
      { template: '{details.dealValue} {details.currency}' },
      { details: { dealValue: 5, currency: 'EUR' } },
      '5 EUR',
    ],
    ['template with literal braces', { template: '{{{name}}}' }, { name: 'x' }, '{x}'],
    ['default', { from: 'name', default: 'Untitled' }, {}, 'Untitled'],
    ['default not used when present', { from: 'name', default: 'Untitled' }, { name: 'Deal' }, 'Deal'],
    ['default number', { from: 'details.dealValue', default: 0 }, {}, 0],
    ['default null clears', { from: 'deadline', format: 'datetime', default: null }, { status: 'Active' }, null],
    [
      'default template',
      { from: 'name', default: '{customerProfile.name} referral' },
      { customerProfile: { name: 'Acme' } },
      'Acme referral',
    ],
    ['default template, all parts empty', { from: 'name', default: '{customerProfile.name} referral' }, {}, undefined],
    ['values', { from: 'status', values: { New: 'Prospecting' } }, { status: 'New' }, 'Prospecting'],
    [
      'values: unlisted passes through',
      { from: 'status', values: { New: 'Prospecting' } },
      { status: 'Active' },
      'Active',
    ],
    [
      'values: valuesDefault',
      { from: 'status', values: { New: 'P' }, valuesDefault: 'Other' },
      { status: 'Active' },
      'Other',
    ],
    ['values: to null', { from: 'status', values: { Closed: null } }, { status: 'Closed' }, null],
    [
      'values: number key',
      { from: 'details.dealValue', values: { '0': 'none' } },
      { details: { dealValue: 0 } },
      'none',
    ],
    [
      'values on a template',
      { template: '{status}/{substatus}', values: { 'Closed/Won': 'Closed Won' } },
      { status: 'Closed', substatus: 'Won' },
      'Closed Won',
    ],
    ['values: missing source uses default, not values', { from: 'name', values: { x: 'y' }, default: 'D' }, {}, 'D'],
    [
      'format date',
      { from: 'details.closingDateTime', format: 'date' },
      { details: { closingDateTime: '2025-06-30T00:00:00Z' } },
      '2025-06-30',
    ],
    [
      'format datetime',
      { from: 'createdDateTime', format: 'datetime' },
      { createdDateTime: '2025-03-03T10:14:00+01:00' },
      '2025-03-03T09:14:00.000Z',
    ],
    [
      'defaultDaysFromNow',
      { from: 'details.closingDateTime', format: 'date', defaultDaysFromNow: 90 },
      {},
      '2025-06-02',
    ],
    [
      'defaultDaysFromNow, datetime',
      { from: 'deadline', format: 'datetime', defaultDaysFromNow: 1 },
      { status: 'Active' },
      '2025-03-05T10:00:00.000Z',
    ],
    [
      'format number from text',
      { from: 'externalReferenceId', format: 'number' },
      { externalReferenceId: ' 42.5 ' },
      42.5,
    ],
    ['format string', { from: 'details.dealValue', format: 'string' }, { details: { dealValue: 7 } }, '7'],
    ['format boolean', { from: 'statusReason', format: 'boolean' }, { statusReason: 'yes' }, true],
    [
      'format uppercase',
      { from: 'customerProfile.address.country', format: 'uppercase' },
      { customerProfile: { address: { country: 'de' } } },
      'DE',
    ],
    ['format applies to default', { from: 'name', default: 'abc', format: 'uppercase' }, {}, 'ABC'],
    ['maxLength', { from: 'details.notes', maxLength: 5 }, { details: { notes: 'Need Teams Phone' } }, 'Need'],
    ['maxLength keeps surrogate pairs whole', { from: 'name', maxLength: 3 }, { name: 'ab😀' }, 'ab'],
    ['required, present', { from: 'name', required: true }, { name: 'x' }, 'x'],
  ])('%s', (_name, rule, fields, expected) => {
    expect(mapX(rule, fields)).toEqual(expected);
  });

  it('leaves a field with no value out of the draft entirely', () => {
    const draft = toOpportunityDraft('salesforce', referral(), NOW, mappingWith({ from: 'name' }));
    expect(Object.keys(draft.fields)).not.toContain('X__c');
  });

  it('uses the referralLink template of the mapping', () => {
    expect(mapX({ from: 'link' }, { id: 'r/1' }, { referralLink: 'https://pc.example/{id}?e={engagementId}' })).toBe(
      'https://pc.example/r%2F1?e=',
    );
  });
});

describe('toOpportunityDraft errors', () => {
  it.each<[name: string, rule: Record<string, unknown>, referralFields: Record<string, unknown>, message: string]>([
    [
      'required but missing',
      { from: 'details.dealValue', required: true },
      {},
      'is required, but the referral has no details.dealValue',
    ],
    ['required template empty', { template: '{name}', required: true }, {}, 'is required, but the template is empty'],
    [
      'an invalid date',
      { from: 'details.notes', format: 'date' },
      { details: { notes: 'soon' } },
      'details.notes is not an ISO 8601 date',
    ],
    [
      'an impossible date',
      { from: 'details.notes', format: 'date' },
      { details: { notes: '2025-02-30' } },
      'details.notes is not an ISO 8601 date',
    ],
    ['a non-numeric text as number', { from: 'name', format: 'number' }, { name: 'lots' }, 'name is not a number'],
    [
      'an object',
      { from: 'consent', allowUnknownPath: true },
      { consent: { a: 1 } },
      'consent is an object, not a single value',
    ],
    [
      'a list',
      { from: 'details.requirements.solutions' },
      { details: { requirements: { solutions: [] } } },
      'details.requirements.solutions is a list, not a single value',
    ],
    [
      'a list in a template',
      { template: 'x {team}', allowUnknownPath: true },
      { team: [] },
      'team is a list, not a single value',
    ],
    [
      'a mapped value that fails format',
      { from: 'status', values: { New: 'soon' }, format: 'date' },
      { status: 'New' },
      'the values entry is not an ISO 8601 date',
    ],
    ['a default that fails format', { from: 'name', default: 'x', format: 'number' }, {}, 'default is not a number'],
  ])('%s', (_name, rule, fields, message) => {
    const run = () => mapX(rule, fields);
    expect(run).toThrow(MappingError);
    expect(run).toThrow(`referral ref-1: salesforce.fields.X__c: ${message}`);
  });

  it('rejects a number that is not finite', () => {
    const r = { ...referral(), details: { dealValue: Number.POSITIVE_INFINITY } };
    const run = () => toOpportunityDraft('salesforce', r, NOW, mappingWith({ from: 'details.dealValue' }));
    expect(run).toThrow('referral ref-1: salesforce.fields.X__c: details.dealValue is not a finite number');
  });

  it('carries the rule path and the referral id on the error', () => {
    try {
      mapX({ from: 'details.closingDateTime', required: true, format: 'date' });
      expect.unreachable();
    } catch (err) {
      expect(err).toMatchObject({ name: 'MappingError', field: 'salesforce.fields.X__c', referralId: 'ref-1' });
    }
  });

  it('fails when the mapping has no section for the CRM', () => {
    expect(() => toOpportunityDraft('dynamics', referral(), NOW, mappingWith({ const: 1 }))).toThrow(
      'referral ref-1: dynamics: the mapping file has no dynamics section',
    );
  });
});

describe('toOpportunityDraft account', () => {
  const account = {
    match: ['Name', 'BillingCountry'],
    fields: {
      Name: { from: 'customerProfile.name', default: 'Unknown customer' },
      BillingCountry: { from: 'customerProfile.address.country' },
      BillingPostalCode: { from: 'customerProfile.address.postalCode' },
    },
  };
  const mapping = (): Mapping => {
    const parsed = parseMapping({
      version: 1,
      salesforce: { externalIdField: 'Referral_Id__c', fields: REQUIRED_SF, account },
    });
    if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
    return parsed.mapping;
  };

  it('builds match and create fields', () => {
    const draft = toOpportunityDraft('salesforce', marketplaceInquiry, NOW, mapping());
    expect(draft).toEqual({
      referralId: marketplaceInquiry.id,
      fields: { Name: 'n', StageName: 's', CloseDate: '2025-01-01' },
      createOnly: [],
      account: {
        match: { Name: 'Bluefin Logistics GmbH', BillingCountry: 'DE' },
        fields: { Name: 'Bluefin Logistics GmbH', BillingCountry: 'DE', BillingPostalCode: '20457' },
      },
    });
  });

  it('matches an empty match field as null and uses defaults', () => {
    const draft = toOpportunityDraft('salesforce', referral(), NOW, mapping());
    expect(draft.account).toEqual({
      match: { Name: 'Unknown customer', BillingCountry: null },
      fields: { Name: 'Unknown customer', BillingCountry: null },
    });
  });

  it('is null without an account section', () => {
    expect(toOpportunityDraft('salesforce', referral(), NOW, mappingWith({ const: 1 })).account).toBeNull();
  });

  it('names the account rule path in errors', () => {
    const parsed = parseMapping({
      version: 1,
      salesforce: {
        externalIdField: 'Referral_Id__c',
        fields: REQUIRED_SF,
        account: { match: ['Name'], fields: { Name: { from: 'customerProfile.name', required: true } } },
      },
    });
    if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
    expect(() => toOpportunityDraft('salesforce', referral(), NOW, parsed.mapping)).toThrow(
      'referral ref-1: salesforce.account.fields.Name: is required, but the referral has no customerProfile.name',
    );
  });
});

describe('toOpportunityDraft owner', () => {
  const team = [
    { email: ' Ana@Partner.example ' },
    { email: null },
    { email: 'ana@partner.example' },
    { email: 'bo@partner.example' },
  ];
  const withOwner = (on?: boolean): Mapping => {
    const parsed = parseMapping({
      version: 1,
      salesforce: {
        externalIdField: 'Referral_Id__c',
        fields: REQUIRED_SF,
        ...(on === undefined ? {} : { assignOwnerFromTeam: on }),
      },
    });
    if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
    return parsed.mapping;
  };

  it('names the referral team emails, in order and each once, when assignOwnerFromTeam is on', () => {
    const draft = toOpportunityDraft('salesforce', referral({ team }), NOW, withOwner(true));
    expect(draft.ownerEmails).toEqual(['Ana@Partner.example', 'bo@partner.example']);
  });

  it('names none when it is off (the default) or the team has no email', () => {
    expect(toOpportunityDraft('salesforce', referral({ team }), NOW, withOwner()).ownerEmails).toBeUndefined();
    expect(toOpportunityDraft('salesforce', referral({ team }), NOW, withOwner(false)).ownerEmails).toBeUndefined();
    expect(toOpportunityDraft('salesforce', referral({ team: [] }), NOW, withOwner(true)).ownerEmails).toBeUndefined();
  });
});
