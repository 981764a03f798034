import { z } from 'zod';

/*
 * Where each CRM keeps what a seller fills in to share an opportunity with Microsoft (issue 16,
 * "co-sell referrals created from the CRM"): the share flag, the help type, the solutions, the
 * deal kind and the customer contact. The defaults follow the field names of Microsoft's own
 * connectors where they are known (docs/partner-center-create-referral.md). What the values mean
 * (kinds, help types, consent) is `outbound.share` (src/share/share-rules.ts). Absent (null):
 * opportunities are never shared from this CRM.
 */

/** A Salesforce field, or one field of a parent record through a lookup (`Account.Name`, `Contact__r.Email`). */
const SALESFORCE_PATH = /^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)?$/;
const SALESFORCE_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
const DATAVERSE_COLUMN = /^[a-z_][a-z0-9_]*$/;

const sfPath = (fallback: string, description: string) =>
  z
    .string()
    .regex(SALESFORCE_PATH, 'is not a Salesforce field API name (or Relationship.Field)')
    .default(fallback)
    .meta({ description });
const sfPathOptional = (description: string) =>
  z
    .string()
    .regex(SALESFORCE_PATH, 'is not a Salesforce field API name (or Relationship.Field)')
    .nullable()
    .default(null)
    .meta({ description });
const sfName = (fallback: string, description: string) =>
  z.string().regex(SALESFORCE_NAME, 'is not a Salesforce field API name').default(fallback).meta({ description });
const dv = (fallback: string, description: string) =>
  z.string().regex(DATAVERSE_COLUMN, 'is not a Dataverse column logical name').default(fallback).meta({ description });
const dvOptional = (description: string) =>
  z
    .string()
    .regex(DATAVERSE_COLUMN, 'is not a Dataverse column logical name')
    .nullable()
    .default(null)
    .meta({ description });

export const SalesforceShareFields = z
  .strictObject({
    flag: sfName('Sync_With_Partner_Center__c', 'Checkbox: checked = share this opportunity with Microsoft.'),
    helpType: sfName(
      'How_Can_Microsoft_Help__c',
      'Picklist "How can Microsoft help?"; filled in = a co-sell with a help request (values in outbound.share.helpTypes).',
    ),
    solutions: sfName(
      'Partner_Center_Solutions__c',
      'Text or multi-select picklist with the Partner Center solution ids, separated by ; , or new lines.',
    ),
    visibility: sfPathOptional(
      'Picklist naming the deal kind (values in outbound.share.kinds); null: a help type makes a co-sell, else partner-led.',
    ),
    link: sfName('Referral_Link__c', "URL field the sync writes the new referral's Partner Center link to."),
    customerName: sfPath('Account.Name', "Customer name (default: the opportunity's account)."),
    customerCountry: sfPath(
      'Account.BillingCountry',
      'Customer country as an ISO-2 code (use Account.BillingCountryCode with State and Country Picklists).',
    ),
    contactFirstName: sfPath('Referral_Contact__r.FirstName', 'Customer contact first name.'),
    contactLastName: sfPath('Referral_Contact__r.LastName', 'Customer contact last name.'),
    contactEmail: sfPath('Referral_Contact__r.Email', 'Customer contact email.'),
    contactPhone: sfPathOptional('Customer contact phone (null: not sent).'),
  })
  .meta({ description: 'Salesforce fields a seller fills in to share an opportunity with Microsoft; defaults shown.' });
export type SalesforceShareFields = z.infer<typeof SalesforceShareFields>;

export const DynamicsShareFields = z
  .strictObject({
    flag: dv('new_syncwithpartnercenter', 'Yes/No column: Yes = share this opportunity with Microsoft.'),
    helpType: dv(
      'new_howcanmicrosofthelp',
      'Choice (or text) column "How can Microsoft help?"; filled in = a co-sell with a help request. A choice is read by its label.',
    ),
    solutions: dv(
      'new_partnercentersolutions',
      'Text column with the Partner Center solution ids, separated by ; , or new lines.',
    ),
    visibility: dvOptional(
      'Choice or text column naming the deal kind (values in outbound.share.kinds); null: a help type makes a co-sell, else partner-led.',
    ),
    link: dv('new_referrallink', "Column the sync writes the new referral's Partner Center link to."),
    customer: z
      .strictObject({
        nav: dv('customerid_account', 'Navigation property from the opportunity to the customer account.'),
        name: dv('name', 'Account column with the customer name.'),
        country: dv('address1_country', 'Account column with the ISO-2 country code.'),
      })
      .prefault({}),
    contact: z
      .strictObject({
        nav: dv('parentcontactid', 'Navigation property from the opportunity to the customer contact.'),
        firstName: dv('firstname', 'Contact first name column.'),
        lastName: dv('lastname', 'Contact last name column.'),
        email: dv('emailaddress1', 'Contact email column.'),
        phone: dvOptional('Contact phone column (null: not sent).'),
      })
      .prefault({}),
  })
  .meta({ description: 'Dataverse columns a seller fills in to share an opportunity with Microsoft; defaults shown.' });
export type DynamicsShareFields = z.infer<typeof DynamicsShareFields>;
