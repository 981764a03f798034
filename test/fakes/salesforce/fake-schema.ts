/*
 * What the fake org knows about its objects: fields (for describe, required/length/picklist
 * checks and external-id indexes) and the default opportunity stages.
 */

export type FieldType =
  | 'id'
  | 'string'
  | 'textarea'
  | 'picklist'
  | 'reference'
  | 'date'
  | 'datetime'
  | 'double'
  | 'currency'
  | 'percent'
  | 'boolean';

export interface FieldSpec {
  name: string;
  type: FieldType;
  label?: string;
  /** Max characters for text fields; enforced with STRING_TOO_LONG when `enforceLengths`. */
  length?: number;
  /** Required on create (REQUIRED_FIELD_MISSING); cannot be blanked on update. */
  required?: boolean;
  /** External ID + Unique (case-insensitive): indexed, enforced with DUPLICATE_VALUE. */
  externalId?: boolean;
  /** System / formula fields: writes answer INVALID_FIELD_FOR_INSERT_UPDATE. */
  readOnly?: boolean;
  /** Lookups: the parent object, so a write can name the parent by its external id. */
  referenceTo?: string;
}

export interface StageSpec {
  ApiName: string;
  MasterLabel: string;
  IsActive: boolean;
  IsClosed: boolean;
  IsWon: boolean;
  DefaultProbability: number;
  SortOrder: number;
}

const SYSTEM: FieldSpec[] = [
  { name: 'Id', type: 'id', readOnly: true },
  { name: 'CreatedDate', type: 'datetime', readOnly: true },
  { name: 'CreatedById', type: 'reference', readOnly: true },
  { name: 'LastModifiedDate', type: 'datetime', readOnly: true },
  { name: 'LastModifiedById', type: 'reference', readOnly: true },
  { name: 'SystemModstamp', type: 'datetime', readOnly: true },
  { name: 'IsDeleted', type: 'boolean', readOnly: true },
  { name: 'OwnerId', type: 'reference' },
];

/** Default objects. Custom fields match the connector's defaults so the demo runs as is. */
export const DEFAULT_FIELDS: Record<string, FieldSpec[]> = {
  Opportunity: [
    ...SYSTEM,
    { name: 'Name', type: 'string', length: 120, required: true },
    { name: 'StageName', type: 'picklist', length: 255, required: true, label: 'Stage' },
    { name: 'CloseDate', type: 'date', required: true },
    { name: 'AccountId', type: 'reference', referenceTo: 'Account' },
    { name: 'Amount', type: 'currency' },
    { name: 'CurrencyIsoCode', type: 'picklist', length: 3 },
    { name: 'Description', type: 'textarea', length: 32000 },
    { name: 'NextStep', type: 'string', length: 255 },
    { name: 'LeadSource', type: 'picklist', length: 255 },
    { name: 'Type', type: 'picklist', length: 255 },
    { name: 'Probability', type: 'percent' },
    { name: 'IsClosed', type: 'boolean', readOnly: true },
    { name: 'IsWon', type: 'boolean', readOnly: true },
    { name: 'Referral_Id__c', type: 'string', length: 255, externalId: true },
    { name: 'Referral_Expires_At__c', type: 'datetime' },
    { name: 'Referral_Expiry_Level__c', type: 'string', length: 40 },
    { name: 'CampaignId', type: 'reference' },
    { name: 'Referral_Decision__c', type: 'picklist', length: 255 },
    { name: 'Referral_Decline_Reason__c', type: 'picklist', length: 255 },
    { name: 'Referral_Sync_Message__c', type: 'textarea', length: 32000 },
    // The rest of the fields README step 2 asks for (the default mapping writes them).
    { name: 'Referral_Status__c', type: 'string', length: 40 },
    { name: 'Referral_Substatus__c', type: 'string', length: 40 },
    { name: 'Referral_Link__c', type: 'string', length: 255 },
    { name: 'Referral_Category__c', type: 'string', length: 40 },
    // Sharing an opportunity with Microsoft (issue 16; the mapping's salesforce.outbound.share).
    { name: 'Sync_With_Partner_Center__c', type: 'boolean', label: 'Sync with Partner Center' },
    { name: 'How_Can_Microsoft_Help__c', type: 'picklist', length: 255, label: 'How can Microsoft help?' },
    {
      name: 'Partner_Center_Solutions__c',
      type: 'textarea',
      length: 4000,
      label: 'Microsoft Partner Center Solutions',
    },
    { name: 'Referral_Contact__c', type: 'reference', referenceTo: 'Contact', label: 'Customer Contact' },
  ],
  // The customer contact a shared opportunity names (Referral_Contact__c).
  Contact: [
    ...SYSTEM,
    { name: 'FirstName', type: 'string', length: 40 },
    { name: 'LastName', type: 'string', length: 80, required: true },
    { name: 'Email', type: 'string', length: 80 },
    { name: 'Phone', type: 'string', length: 40 },
    { name: 'AccountId', type: 'reference', referenceTo: 'Account' },
  ],
  Account: [
    ...SYSTEM,
    { name: 'Name', type: 'string', length: 255, required: true, label: 'Account Name' },
    { name: 'BillingStreet', type: 'textarea', length: 255 },
    { name: 'BillingCity', type: 'string', length: 40 },
    { name: 'BillingState', type: 'string', length: 80 },
    { name: 'BillingPostalCode', type: 'string', length: 20 },
    { name: 'BillingCountry', type: 'string', length: 80 },
    { name: 'Website', type: 'string', length: 255 },
    { name: 'Industry', type: 'picklist', length: 255 },
    { name: 'Referral_Sync_Key__c', type: 'string', length: 255, externalId: true },
  ],
  Task: [
    ...SYSTEM,
    { name: 'WhatId', type: 'reference' },
    { name: 'WhoId', type: 'reference' },
    { name: 'Subject', type: 'string', length: 255 },
    { name: 'Description', type: 'textarea', length: 32000 },
    { name: 'ActivityDate', type: 'date' },
    { name: 'Priority', type: 'picklist', length: 40 },
    { name: 'Status', type: 'picklist', length: 40 },
    { name: 'Referral_Sync_Key__c', type: 'string', length: 255, externalId: true },
  ],
  // Leads (issue 16). IsConverted and the Converted* ids are set by lead conversion only (the
  // seller converting in the UI: FakeSalesforce.convertLeadAsUser); a converted Lead takes no writes.
  Lead: [
    ...SYSTEM,
    { name: 'FirstName', type: 'string', length: 40 },
    { name: 'LastName', type: 'string', length: 80, required: true, label: 'Last Name' },
    { name: 'Company', type: 'string', length: 255, required: true },
    { name: 'Email', type: 'string', length: 80 },
    { name: 'Phone', type: 'string', length: 40 },
    { name: 'Country', type: 'string', length: 80 },
    { name: 'Title', type: 'string', length: 128 },
    { name: 'Status', type: 'picklist', length: 255, label: 'Lead Status' },
    { name: 'LeadSource', type: 'picklist', length: 255 },
    { name: 'Description', type: 'textarea', length: 32000 },
    { name: 'IsConverted', type: 'boolean', readOnly: true },
    { name: 'ConvertedOpportunityId', type: 'reference', readOnly: true, referenceTo: 'Opportunity' },
    { name: 'ConvertedAccountId', type: 'reference', readOnly: true, referenceTo: 'Account' },
    { name: 'ConvertedDate', type: 'date', readOnly: true },
    { name: 'Referral_Id__c', type: 'string', length: 255, externalId: true },
    { name: 'Referral_Expires_At__c', type: 'datetime' },
    { name: 'Referral_Expiry_Level__c', type: 'string', length: 40 },
    { name: 'Referral_Decline_Reason__c', type: 'picklist', length: 255 },
    { name: 'Referral_Sync_Message__c', type: 'textarea', length: 32000 },
    { name: 'Referral_Status__c', type: 'string', length: 40 },
    { name: 'Referral_Substatus__c', type: 'string', length: 40 },
    { name: 'Referral_Link__c', type: 'string', length: 255 },
    { name: 'Referral_Category__c', type: 'string', length: 40 },
  ],
  // Team Selling (Opportunity Teams). A fake started with `teamSelling: false` has no such object.
  OpportunityTeamMember: [
    ...SYSTEM.filter((f) => f.name !== 'OwnerId'),
    { name: 'OpportunityId', type: 'reference', required: true, referenceTo: 'Opportunity' },
    { name: 'UserId', type: 'reference', required: true, referenceTo: 'User' },
    { name: 'TeamMemberRole', type: 'picklist', length: 255 },
    { name: 'OpportunityAccessLevel', type: 'picklist', length: 40 },
  ],
  User: [
    ...SYSTEM.filter((f) => f.name !== 'OwnerId'),
    { name: 'FirstName', type: 'string', length: 40 },
    { name: 'LastName', type: 'string', length: 80, required: true },
    { name: 'Email', type: 'string', length: 128, required: true },
    { name: 'Phone', type: 'string', length: 40 },
    { name: 'IsActive', type: 'boolean' },
  ],
  // The org itself (one row): its default (corporate) currency, which a single-currency org has too.
  Organization: [
    { name: 'Id', type: 'id', readOnly: true },
    { name: 'Name', type: 'string', length: 80, readOnly: true },
    { name: 'DefaultCurrencyIsoCode', type: 'picklist', length: 3, readOnly: true },
  ],
  OpportunityStage: [
    { name: 'Id', type: 'id', readOnly: true },
    { name: 'ApiName', type: 'string', length: 255 },
    { name: 'MasterLabel', type: 'string', length: 255 },
    { name: 'IsActive', type: 'boolean' },
    { name: 'IsClosed', type: 'boolean' },
    { name: 'IsWon', type: 'boolean' },
    { name: 'DefaultProbability', type: 'percent' },
    { name: 'SortOrder', type: 'double' },
    { name: 'SystemModstamp', type: 'datetime', readOnly: true },
  ],
};

/** Key prefixes of real orgs, so ids look familiar in logs. */
export const KEY_PREFIXES: Record<string, string> = {
  Opportunity: '006',
  Account: '001',
  Task: '00T',
  Lead: '00Q',
  OpportunityStage: '01J',
  User: '005',
  Organization: '00D',
  OpportunityTeamMember: '00q',
  Contact: '003',
};

const stage = (name: string, closed: boolean, won: boolean, p: number, i: number): StageSpec => ({
  ApiName: name,
  MasterLabel: name,
  IsActive: true,
  IsClosed: closed,
  IsWon: won,
  DefaultProbability: p,
  SortOrder: i,
});

/** Salesforce's out-of-the-box sales process. */
export const DEFAULT_STAGES: StageSpec[] = [
  stage('Prospecting', false, false, 10, 1),
  stage('Qualification', false, false, 10, 2),
  stage('Needs Analysis', false, false, 20, 3),
  stage('Value Proposition', false, false, 50, 4),
  stage('Id. Decision Makers', false, false, 60, 5),
  stage('Perception Analysis', false, false, 70, 6),
  stage('Proposal/Price Quote', false, false, 75, 7),
  stage('Negotiation/Review', false, false, 90, 8),
  stage('Closed Won', true, true, 100, 9),
  stage('Closed Lost', true, false, 0, 10),
];

/** A describe body with the attributes our connector's doctor check reads. */
export function describeBody(
  type: string,
  fields: Iterable<FieldSpec>,
  picklists: Record<string, readonly string[]> = {},
): Record<string, unknown> {
  return {
    name: type,
    label: type,
    keyPrefix: KEY_PREFIXES[type] ?? null,
    createable: true,
    updateable: true,
    fields: [...fields].map((f) => ({
      name: f.name,
      label: f.label ?? f.name,
      type: f.type,
      length: f.length ?? 0,
      nillable: !f.required && f.type !== 'id',
      createable: !f.readOnly,
      updateable: !f.readOnly,
      externalId: f.externalId === true,
      unique: f.externalId === true,
      idLookup: f.externalId === true || f.type === 'id',
      caseSensitive: false,
      picklistValues: (picklists[f.name] ?? []).map((value) => ({ value, label: value, active: true })),
    })),
  };
}
