import { describe, expect, it } from 'vitest';
import { DEFAULT_REFERRAL_LINK, parseMapping } from './schema.ts';

const REQUIRED_SF = {
  Name: { from: 'name' },
  StageName: { const: 'Prospecting' },
  CloseDate: { from: 'details.closingDateTime', format: 'date' },
};

/** A valid minimal mapping with `patch` merged into the salesforce section's fields. */
const withFields = (fields: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  version: 1,
  salesforce: { externalIdField: 'Referral_Id__c', fields: { ...REQUIRED_SF, ...fields }, ...extra },
});

const errorsOf = (data: unknown): string[] => {
  const result = parseMapping(data);
  return result.ok ? [] : result.errors;
};

describe('parseMapping', () => {
  it('accepts a minimal mapping and fills defaults', () => {
    const result = parseMapping(withFields({}));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.mapping.referralLink).toBe(DEFAULT_REFERRAL_LINK);
    expect(result.mapping.salesforce?.object).toBe('Opportunity');
  });

  it.each<[string, unknown, string[]]>([
    [
      'an unknown referral path, with a suggestion',
      withFields({ Amount: { from: 'details.dealvalue' } }),
      ['salesforce.fields.Amount.from: unknown referral field "details.dealvalue" (did you mean "details.dealValue"?)'],
    ],
    [
      'an unknown path unless allowUnknownPath',
      withFields({ X__c: { from: 'newField', allowUnknownPath: true }, Y__c: { from: 'newField' } }),
      ['salesforce.fields.Y__c.from: unknown referral field "newField"'],
    ],
    [
      'a misspelt rule key',
      withFields({ Amount: { from: 'details.dealValue', defualt: 0 } }),
      ['salesforce.fields.Amount.defualt: unknown key (did you mean "default"?)'],
    ],
    [
      'a misspelt section',
      { ...withFields({}), salesforse: {} },
      ['salesforse: unknown key (did you mean "salesforce"?)'],
    ],
    [
      'a misspelt source key (#15)',
      withFields({ Amount: { form: 'details.dealValue' } }),
      [
        'salesforce.fields.Amount.form: unknown key (did you mean "from"?)',
        'salesforce.fields.Amount: needs one of from, const or template',
      ],
    ],
    [
      'a misspelt outbound key (#15)',
      { ...withFields({}), outbound: { wonHoldHour: 72 } },
      ['outbound.wonHoldHour: unknown key (did you mean "wonHoldHours"?)'],
    ],
    [
      'a misspelt inbound stage key (#15)',
      { ...withFields({}), outbound: { inboundStages: { 'Closed/Wonn': 'Closed Won' } } },
      [
        'outbound.inboundStages.Closed/Wonn: unknown Partner Center state "Closed/Wonn" (did you mean "Closed/Won"?); use a status, a substatus or status/substatus, e.g. "Closed/Won"',
      ],
    ],
    [
      'an account object other than Account',
      withFields(
        {},
        { account: { object: 'Contact', match: ['Name'], fields: { Name: { from: 'customerProfile.name' } } } },
      ),
      ['salesforce.account.object: must be Account (opportunities link to Account records)'],
    ],
    [
      'an expiry field that is not an API name',
      withFields({}, { expiryFields: { expiresAt: 'Expires At' } }),
      ['salesforce.expiryFields.expiresAt: Invalid string: must match pattern /^[A-Za-z][A-Za-z0-9_]*$/'],
    ],
    [
      'a rule without a source',
      withFields({ Amount: { default: 0 } }),
      ['salesforce.fields.Amount: needs one of from, const or template'],
    ],
    [
      'a rule with two sources',
      withFields({ Amount: { from: 'details.dealValue', const: 1 } }),
      ['salesforce.fields.Amount: has from and const; use only one'],
    ],
    [
      'values on a const',
      withFields({ Type: { const: 'New', values: { a: 'b' }, required: true } }),
      [
        'salesforce.fields.Type.values: has no effect on a const rule',
        'salesforce.fields.Type.required: has no effect on a const rule',
      ],
    ],
    [
      'valuesDefault without values',
      withFields({ Type: { from: 'type', valuesDefault: 'x' } }),
      ['salesforce.fields.Type.valuesDefault: needs a values map'],
    ],
    [
      'a category that does not exist',
      withFields({ LeadSource: { from: 'category', values: { marketplace_lead: 'Web' } } }),
      [
        'salesforce.fields.LeadSource.values.marketplace_lead: is not a category (marketplace-lead, qualified-lead, co-sell, unknown)',
      ],
    ],
    [
      'required together with a default',
      withFields({ Amount: { from: 'details.dealValue', default: 0, required: true } }),
      ['salesforce.fields.Amount.required: has no effect together with a default'],
    ],
    [
      'defaultDaysFromNow without a date format',
      withFields({ D__c: { from: 'details.closingDateTime', defaultDaysFromNow: 30 } }),
      ['salesforce.fields.D__c.defaultDaysFromNow: needs format: date or datetime'],
    ],
    [
      'defaultDaysFromNow with default',
      withFields({ D__c: { from: 'deadline', format: 'date', default: '2030-01-01', defaultDaysFromNow: 1 } }),
      ['salesforce.fields.D__c.defaultDaysFromNow: use either default or defaultDaysFromNow, not both'],
    ],
    [
      'maxLength on a number',
      withFields({ Amount: { from: 'details.dealValue', format: 'number', maxLength: 5 } }),
      ['salesforce.fields.Amount.maxLength: applies to text, but format number produces none'],
    ],
    [
      'a bad format and maxLength',
      withFields({ A__c: { from: 'name', format: 'text', maxLength: 0 } }),
      [
        'salesforce.fields.A__c.format: Invalid option: expected one of "date"|"datetime"|"number"|"string"|"boolean"|"uppercase"',
        'salesforce.fields.A__c.maxLength: Too small: expected number to be >0',
      ],
    ],
    [
      'a bad template placeholder and brace',
      withFields({ Name: { template: '{customerProfile.nam} {x' } }),
      ['salesforce.fields.Name.template: unmatched "{" at position 23 (write "{{" for a literal brace)'],
    ],
    [
      'a bad placeholder in a default',
      withFields({ Name: { from: 'name', default: '{customer.name} referral' } }),
      ['salesforce.fields.Name.default: unknown referral field "customer.name"'],
    ],
    [
      'a const that is not a single value',
      withFields({ A__c: { const: { a: 1 } } }),
      ['salesforce.fields.A__c.const: expected a single value (text, a number, true/false or null)'],
    ],
    [
      'an invalid field name',
      withFields({ 'Bad Name': { from: 'name' } }),
      ['salesforce.fields.Bad Name: is not a valid Salesforce field API name'],
    ],
    [
      'fields that collide ignoring case',
      withFields({ amount: { from: 'details.dealValue' }, Amount: { from: 'details.dealValue' } }),
      ['salesforce.fields.Amount: is the same field as "amount"'],
    ],
    [
      'a rule on the upsert key',
      withFields({ Referral_Id__c: { from: 'id' } }),
      ['salesforce.fields.Referral_Id__c: is the upsert key; the connector fills it with the referral id'],
    ],
    [
      'missing required Opportunity fields',
      { version: 1, salesforce: { externalIdField: 'Referral_Id__c', fields: { Name: { from: 'name' } } } },
      ['salesforce.fields: Opportunity needs Name, StageName, CloseDate on create; missing: StageName, CloseDate'],
    ],
    [
      'a match field without a rule',
      withFields(
        {},
        { account: { match: ['Name', 'BillingCountry', 'Name'], fields: { Name: { from: 'customerProfile.name' } } } },
      ),
      [
        'salesforce.account.match.1: "BillingCountry" has no rule in account.fields',
        'salesforce.account.match.2: "Name" is listed twice',
      ],
    ],
    [
      'a missing external id field and version',
      { salesforce: { fields: REQUIRED_SF } },
      ['version: must be 1 (the only mapping file version)', 'salesforce.externalIdField: is required'],
    ],
    ['no CRM section', { version: 1 }, ['(root): needs a salesforce or a dynamics section']],
    ['not an object', 'version: 1', ['(root): Invalid input: expected object, received string']],
    [
      'a bad referralLink template',
      { ...withFields({}), referralLink: 'https://x.example/{idd}' },
      ['referralLink: unknown referral field "idd" (did you mean "id"?)'],
    ],
    [
      'a derived field in referralLink',
      { ...withFields({}), referralLink: 'https://x.example/{id}/{category}' },
      ['referralLink: derived field "category" cannot be used here'],
    ],
    [
      'Dataverse columns in upper case',
      {
        version: 1,
        dynamics: {
          alternateKey: 'new_referralid',
          fields: { name: { from: 'name' }, EstimatedValue: { from: 'details.dealValue' } },
        },
      },
      ['dynamics.fields.EstimatedValue: is not a valid Dataverse column logical name'],
    ],
    [
      'a dynamics section without name',
      { version: 1, dynamics: { alternateKey: 'new_referralid', fields: {} } },
      ['dynamics.fields: opportunity needs name on create; missing: name'],
    ],
    [
      'bad expiry settings',
      {
        ...withFields({}),
        expiry: { levelsHours: [4, 4], contactMe: { when: [{ path: 'callToaction', equals: 'x', in: ['y'] }] } },
      },
      [
        'expiry.levelsHours: levels must be distinct',
        'expiry.contactMe.when.0.path: unknown referral field "callToaction" (did you mean "callToAction"?)',
        'expiry.contactMe.when.0: needs exactly one of equals or in',
      ],
    ],
  ])('reports %s', (_name, data, expected) => {
    expect(errorsOf(data)).toEqual(expected);
  });

  it('lists every problem in the file at once', () => {
    const data = withFields({ Amount: { from: 'details.dealvalue' }, Type: { const: 'x', values: {} }, Bad__c: {} });
    expect(errorsOf(data)).toHaveLength(3);
  });
});
