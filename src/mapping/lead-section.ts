import { z } from 'zod';
import type { Referral } from '../domain/referral.ts';
import type { CrmKind } from '../ports/crm.ts';
import { conditionHolds } from './contact-me.ts';
import { Condition } from './expiry-settings.ts';
import { FieldRule } from './field-rule.ts';

/*
 * Leads as CRM Leads (issue 16). Microsoft's own connectors sync referrals that are leads and not
 * accepted yet as CRM leads, and a seller accepts one by converting it (docs/crm-leads.md). Two
 * parts of the mapping file say how:
 * - the top-level `leads` rule: which referrals land as a Lead (the same condition language as
 *   routing and contact-me). Absent: marketplace and qualified leads that are still New.
 * - a `lead` section inside `salesforce` / `dynamics`: the lead object, its key and fields. A CRM
 *   section without one puts every referral on opportunities, as before.
 */

const SALESFORCE_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
const DATAVERSE_COLUMN = /^[a-z_][a-z0-9_]*(@odata\.bind)?$/;
const DATAVERSE_NAME = /^[a-z_][a-z0-9_]*$/;

const fields = (pattern: RegExp, what: string) =>
  z.record(z.string().regex(pattern, `is not a valid ${what}`), FieldRule).meta({
    description: `Lead ${what} -> rule (the same rule language as the opportunity fields). Fields not listed are never written.`,
  });
const sf = (fallback: string, description: string) =>
  z.string().regex(SALESFORCE_NAME).default(fallback).meta({ description });
const sfOptional = (description: string) =>
  z.string().regex(SALESFORCE_NAME).nullable().default(null).meta({ description });
const dv = (fallback: string, description: string) =>
  z.string().regex(DATAVERSE_NAME).default(fallback).meta({ description });
const dvOptional = (description: string) =>
  z.string().regex(DATAVERSE_NAME).nullable().default(null).meta({ description });

/** Microsoft's connectors: leads that are not accepted yet become CRM leads; co-sells do not. */
export const DEFAULT_LEAD_RULE: { match: 'all' | 'any'; when: Condition[] } = {
  match: 'all',
  when: [
    { path: 'category', in: ['marketplace-lead', 'qualified-lead'] },
    { path: 'status', in: ['New'] },
  ],
};

export const LeadRule = z
  .strictObject({
    match: z
      .enum(['any', 'all'])
      .default('all')
      .meta({ description: 'all: every condition must hold; any: one is enough.' }),
    when: z.array(Condition).min(1),
  })
  .meta({
    title: 'Leads',
    description:
      'Which referrals land as a CRM Lead (in CRM sections that have a `lead` section); the rest land as opportunities. Decided when a referral is first synced: a Lead stays a Lead until the seller converts it. Absent: category marketplace-lead or qualified-lead and status New.',
  });
export type LeadRule = z.infer<typeof LeadRule>;

const reasonMap = z.record(z.string(), z.string().min(1)).default({}).meta({
  description:
    "CRM reason value -> Partner Center statusReason (e.g. Project budget isn't adequate); unlisted values are sent as written.",
});

export const SalesforceLeadSection = z
  .strictObject({
    object: z.literal('Lead', { error: 'must be Lead' }).default('Lead'),
    externalIdField: sf(
      'Referral_Id__c',
      'Unique External ID field on Lead holding the referral id; the connector upserts on it.',
    ),
    fields: fields(SALESFORCE_NAME, 'Salesforce field API name'),
    assignOwnerFromTeam: z.boolean().default(false).meta({
      description:
        'New leads are owned by the first referral team member who is an active CRM user (matched by email). Set at creation only.',
    }),
    decline: z
      .strictObject({
        statuses: z
          .array(z.string().min(1))
          .min(1)
          .default(['Closed - Not Converted'])
          .meta({ description: 'Lead Status values that decline the referral (disqualified, not converted).' }),
        reasonField: sf('Referral_Decline_Reason__c', 'Lead field holding the decline reason.'),
        reasonMap,
      })
      .prefault({}),
    message: sfOptional('Lead field where the sync explains a refused decline to the seller (null: none).'),
    expiryFields: z
      .strictObject({
        expiresAt: sf('Referral_Expires_At__c', 'Date/Time field on Lead the expiry job writes the deadline to.'),
        level: sf('Referral_Expiry_Level__c', 'Text field on Lead the expiry job writes the last warning level to.'),
      })
      .prefault({}),
  })
  .superRefine((section, ctx) => {
    checkLeadFields(section.fields, section.externalIdField, ['LastName', 'Company'], 'Lead', ctx);
  })
  .meta({
    title: 'Salesforce Lead',
    description: 'Referrals the `leads` rule picks land as one Lead each, upserted on externalIdField.',
  });
export type SalesforceLeadSection = z.infer<typeof SalesforceLeadSection>;

export const DynamicsLeadSection = z
  .strictObject({
    entitySet: z.literal('leads', { error: 'must be leads' }).default('leads'),
    alternateKey: dv('new_referralid', 'Alternate key column on lead holding the referral id.'),
    fields: fields(DATAVERSE_COLUMN, 'Dataverse column logical name'),
    decline: z
      .strictObject({
        reasonMap: z
          .record(z.string().regex(/^\d+$/, 'must be a statuscode number'), z.string().min(1))
          .default({
            '4': 'Customer chose another vendor',
            '5': "Customer didn't respond",
            '6': 'Customer requirement not met',
            '7': 'Others',
          })
          .meta({
            description:
              'Disqualified lead statuscode -> Partner Center statusReason (standard: 4 Lost, 5 Cannot Contact, 6 No Longer Interested, 7 Canceled).',
          }),
      })
      .prefault({}),
    message: dvOptional('Text column on lead where the sync explains a refused decline (null: none).'),
    expiryColumns: z
      .strictObject({
        expiresAt: dv('new_referralexpiresat', 'Date and time column on lead the expiry job writes the deadline to.'),
        level: dv('new_referralexpirylevel', 'Text column on lead the expiry job writes the last warning level to.'),
      })
      .prefault({}),
  })
  .superRefine((section, ctx) => {
    checkLeadFields(section.fields, section.alternateKey, ['subject', 'companyname'], 'lead', ctx);
  })
  .meta({
    title: 'Dynamics 365 lead',
    description: 'Referrals the `leads` rule picks land as one lead row each, upserted on alternateKey.',
  });
export type DynamicsLeadSection = z.infer<typeof DynamicsLeadSection>;

type Ctx = z.core.$RefinementCtx;

function checkLeadFields(
  rules: Record<string, FieldRule>,
  key: string,
  required: string[],
  object: string,
  ctx: Ctx,
): void {
  const lower = new Map<string, string>();
  for (const name of Object.keys(rules)) {
    const first = lower.get(name.toLowerCase());
    if (first !== undefined)
      ctx.addIssue({ code: 'custom', path: ['fields', name], message: `is the same field as "${first}"` });
    else lower.set(name.toLowerCase(), name);
  }
  if (lower.has(key.toLowerCase())) {
    ctx.addIssue({
      code: 'custom',
      path: ['fields', lower.get(key.toLowerCase()) ?? key],
      message: 'is the upsert key; the connector fills it with the referral id',
    });
  }
  const missing = required.filter((name) => !lower.has(name.toLowerCase()));
  if (missing.length > 0) {
    ctx.addIssue({
      code: 'custom',
      path: ['fields'],
      message: `${object} needs ${required.join(', ')} on create; missing: ${missing.join(', ')}`,
    });
  }
}

/** What `landsAsLead` reads of the mapping (kept structural so this file does not import schema.ts). */
export interface LeadRouting {
  referralLink: string;
  leads?: LeadRule | undefined;
  salesforce?: { lead?: unknown } | undefined;
  dynamics?: { lead?: unknown } | undefined;
}

/**
 * Pure: whether a referral seen for the first time lands as a Lead in `crm`. Only where that
 * CRM's section has a `lead` section; then the `leads` rule (or Microsoft's default) decides.
 * Which record an already synced referral uses is the sync's business (the record it has).
 */
export function landsAsLead(mapping: LeadRouting, crm: CrmKind, referral: Referral): boolean {
  if (mapping[crm]?.lead === undefined) return false;
  const rule = mapping.leads ?? DEFAULT_LEAD_RULE;
  const holds = (c: Condition) => conditionHolds(c, referral, mapping.referralLink);
  return rule.match === 'any' ? rule.when.some(holds) : rule.when.every(holds);
}
