import { z } from 'zod';
import { DynamicsShareFields, SalesforceShareFields } from './share-fields.ts';

/*
 * Where each CRM keeps what outbound sync reads (issue 4): the partner's decision, the reasons,
 * the deal values that travel with an accept, and a message field where the seller sees why a
 * decision was refused or held. What the values mean is `outbound` (src/outbound/outbound-rules.ts).
 */

const SALESFORCE_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
const DATAVERSE_COLUMN = /^[a-z_][a-z0-9_]*$/;
const sf = (fallback: string, description: string) =>
  z.string().regex(SALESFORCE_NAME).default(fallback).meta({ description });
const sfOptional = (description: string) =>
  z.string().regex(SALESFORCE_NAME).nullable().default(null).meta({ description });
const dv = (fallback: string, description: string) =>
  z.string().regex(DATAVERSE_COLUMN).default(fallback).meta({ description });
const dvOptional = (description: string) =>
  z.string().regex(DATAVERSE_COLUMN).nullable().default(null).meta({ description });

export const SalesforceOutboundFields = z
  .strictObject({
    decision: sf(
      'Referral_Decision__c',
      'Picklist/text field where the seller accepts or declines (values in outbound.accept/decline).',
    ),
    declineReason: sf('Referral_Decline_Reason__c', 'Reason sent as statusReason on decline.'),
    lostReason: sfOptional('Reason sent as statusReason when the opportunity closes lost (null: none).'),
    message: sf(
      'Referral_Sync_Message__c',
      'Text field where the sync explains a refused or held decision to the seller.',
    ),
    name: sf('Name', 'Deal name.'),
    dealValue: sf('Amount', 'Deal value.'),
    currency: sfOptional('ISO currency field (CurrencyIsoCode in multi-currency orgs; null otherwise).'),
    closeDate: sf('CloseDate', 'Close date.'),
    notes: sf('Description', 'Notes.'),
    campaignId: sfOptional('Campaign id field (null: not synced).'),
    teamMembers: z.boolean().default(true).meta({
      description:
        'Read the Opportunity Team (OpportunityTeamMember, needs Team Selling) and add new members to the referral team. Only for objectName Opportunity.',
    }),
    share: SalesforceShareFields.nullable().default(null).meta({
      description: 'Sharing opportunities with Microsoft as new referrals (issue 16); null: off.',
    }),
  })
  .meta({ description: 'Salesforce fields read for outbound sync; defaults shown.' });
export type SalesforceOutboundFields = z.infer<typeof SalesforceOutboundFields>;

export const DynamicsOutboundFields = z
  .strictObject({
    decision: dv('new_referraldecision', 'Choice (or text) column where the seller accepts or declines.'),
    decisionChoices: z
      .record(z.string().regex(/^-?\d+$/), z.string().min(1))
      .default({})
      .meta({ description: 'Choice value (integer, as text) -> label compared with outbound.accept/decline values.' }),
    declineReason: dv('new_referraldeclinereason', 'Reason sent as statusReason on decline.'),
    lostReason: dvOptional('Reason sent as statusReason when the opportunity is lost (null: none).'),
    message: dv('new_referralsyncmessage', 'Text column where the sync explains a refused or held decision.'),
    name: dv('name', 'Deal name.'),
    dealValue: dv('estimatedvalue', 'Deal value.'),
    closeDate: dv('estimatedclosedate', 'Close date.'),
    notes: dv('description', 'Notes.'),
    campaignId: dvOptional('Campaign id column (null: not synced).'),
    teamMembers: z.boolean().default(true).meta({
      description:
        'Read the opportunity Sales Team (active connections from the opportunity to users) and add new members to the referral team.',
    }),
    share: DynamicsShareFields.nullable().default(null).meta({
      description: 'Sharing opportunities with Microsoft as new referrals (issue 16); null: off.',
    }),
  })
  .meta({ description: 'Dataverse columns read for outbound sync; defaults shown.' });
export type DynamicsOutboundFields = z.infer<typeof DynamicsOutboundFields>;
