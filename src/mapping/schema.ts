import { z } from 'zod';
import { closest, keysAt } from './suggest.ts';
import { OutboundRules } from '../outbound/outbound-rules.ts';
import { ExpirySettings } from './expiry-settings.ts';
import { DynamicsOutboundFields, SalesforceOutboundFields } from './outbound-fields.ts';
import { Routing } from './routing.ts';
import { DynamicsLeadSection, LeadRule, SalesforceLeadSection } from './lead-section.ts';
import { FieldRule, checkTemplateAt } from './field-rule.ts';
import { isDerivedField } from './referral-paths.ts';
import { parseTemplate, templatePaths } from './template.ts';

/*
 * The admin-owned mapping file (config/mapping.default.yaml is the shipped example). Data only:
 * strict objects everywhere so a typo in a key is an error, not a silently ignored setting.
 * Validation messages start with the full path of the offending key, e.g.
 * `salesforce.fields.Amount.from: unknown referral field "details.dealvalue"`.
 */

export const DEFAULT_REFERRAL_LINK = 'https://partner.microsoft.com/dashboard/referrals/v2/leads/{id}';

/** Salesforce API names: letters, digits, underscores (custom ones end in __c). */
const SALESFORCE_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
/** Dataverse logical names are lower case; `x@odata.bind` sets a lookup. */
const DATAVERSE_COLUMN = /^[a-z_][a-z0-9_]*(@odata\.bind)?$/;
const DATAVERSE_ENTITY_SET = /^[a-z_][a-z0-9_]*$/;

const fieldRules = (pattern: RegExp, what: string) =>
  z.record(z.string().regex(pattern, `is not a valid ${what}`), FieldRule).meta({
    description: `Target ${what} -> rule. Fields not listed here are never written.`,
  });
const SalesforceFields = fieldRules(SALESFORCE_NAME, 'Salesforce field API name');
const DataverseColumns = fieldRules(DATAVERSE_COLUMN, 'Dataverse column logical name');

const sfName = (fallback: string, description: string) =>
  z.string().regex(SALESFORCE_NAME).default(fallback).meta({ description });
const dvName = (fallback: string, description: string) =>
  z.string().regex(DATAVERSE_ENTITY_SET).default(fallback).meta({ description });

const ACCOUNT_DESCRIPTION = 'The customer account: found by the match fields, else created with fields.';

const accountMatch = (pattern: RegExp) =>
  z.array(z.string().regex(pattern)).min(1).meta({
    description: 'Fields that identify an existing account; all must be equal. Each needs a rule in fields.',
  });

const SalesforceSection = z
  .strictObject({
    object: z.string().regex(SALESFORCE_NAME).default('Opportunity').meta({ description: 'sObject to upsert.' }),
    externalIdField: z
      .string()
      .regex(SALESFORCE_NAME)
      .meta({
        description: 'Unique External ID field holding the referral id; the connector upserts on it.',
        examples: ['Referral_Id__c'],
      }),
    fields: SalesforceFields,
    account: z
      .strictObject({
        // Opportunity.AccountId points at Account only; anything else would be silently ignored.
        object: z
          .literal('Account', { error: 'must be Account (opportunities link to Account records)' })
          .default('Account'),
        match: accountMatch(SALESFORCE_NAME),
        fields: SalesforceFields,
      })
      .optional()
      .meta({ description: ACCOUNT_DESCRIPTION }),
    outbound: SalesforceOutboundFields.prefault({}),
    assignOwnerFromTeam: z.boolean().default(false).meta({
      description:
        'New opportunities are owned by the first referral team member (your sellers in Partner Center) who is an active CRM user, matched by email; otherwise by the integration user. Set at creation only.',
    }),
    keyFields: z
      .strictObject({
        account: sfName(
          'Referral_Sync_Key__c',
          'Unique External ID text field on Account holding the customer match key (no duplicate accounts).',
        ),
        task: sfName(
          'Referral_Sync_Key__c',
          'Unique External ID text field on Task holding <referral id>-<level> (one follow-up task per warning level).',
        ),
      })
      .prefault({}),
    expiryFields: z
      .strictObject({
        expiresAt: sfName('Referral_Expires_At__c', 'Date/Time field the expiry job writes the response deadline to.'),
        level: sfName(
          'Referral_Expiry_Level__c',
          'Text field the expiry job writes the last warning level to (e.g. 24h).',
        ),
      })
      .prefault({}),
    lead: SalesforceLeadSection.optional(),
  })
  .superRefine((section, ctx) => {
    checkSection(section, section.externalIdField, ctx);
    if (section.object === 'Opportunity')
      requireFields(section.fields, ['Name', 'StageName', 'CloseDate'], 'Opportunity', ctx);
  })
  .meta({ title: 'Salesforce', description: 'One Opportunity per referral, upserted on externalIdField.' });

const DynamicsSection = z
  .strictObject({
    entitySet: z
      .string()
      .regex(DATAVERSE_ENTITY_SET)
      .default('opportunities')
      .meta({ description: 'Web API entity set to upsert.' }),
    alternateKey: z
      .string()
      .regex(DATAVERSE_COLUMN)
      .meta({
        description: 'Alternate key column holding the referral id; the connector upserts on it.',
        examples: ['new_referralid'],
      }),
    fields: DataverseColumns,
    account: z
      .strictObject({
        entitySet: z.string().regex(DATAVERSE_ENTITY_SET).default('accounts'),
        match: accountMatch(DATAVERSE_COLUMN),
        fields: DataverseColumns,
      })
      .optional()
      .meta({ description: ACCOUNT_DESCRIPTION }),
    outbound: DynamicsOutboundFields.prefault({}),
    assignOwnerFromTeam: z.boolean().default(false).meta({
      description:
        'New opportunities are owned by the first referral team member (your sellers in Partner Center) who is an active CRM user, matched by email; otherwise by the integration user. Set at creation only.',
    }),
    accountKeyColumn: dvName(
      'new_referralsynckey',
      'Text column on account with an alternate key, holding the customer match key (no duplicate accounts).',
    ),
    expiryColumns: z
      .strictObject({
        expiresAt: dvName(
          'new_referralexpiresat',
          'Date and time column the expiry job writes the response deadline to.',
        ),
        level: dvName(
          'new_referralexpirylevel',
          'Text column the expiry job writes the last warning level to (e.g. 24h).',
        ),
      })
      .prefault({}),
    stageColumns: z
      .strictObject({
        read: z
          .string()
          .regex(DATAVERSE_ENTITY_SET)
          .nullable()
          .default('stepname')
          .meta({ description: 'Column read as the stage (compared with outbound.accept.onHoldStages); null: none.' }),
        write: z.string().regex(DATAVERSE_ENTITY_SET).nullable().default(null).meta({
          description:
            'Text column of yours that outbound.inboundStages writes; null: stages are not written (the business process flow owns stepname).',
        }),
      })
      .prefault({}),
    lead: DynamicsLeadSection.optional(),
  })
  .superRefine((section, ctx) => {
    checkSection(section, section.alternateKey, ctx);
    if (section.entitySet === 'opportunities') requireFields(section.fields, ['name'], 'opportunity', ctx);
  })
  .meta({
    title: 'Dynamics 365 (Dataverse)',
    description: 'One opportunity row per referral, upserted on alternateKey.',
  });

export const Mapping = z
  .strictObject({
    $schema: z.string().optional().meta({ description: 'JSON Schema reference for editors (JSON files).' }),
    version: z
      .literal(1, { error: 'must be 1 (the only mapping file version)' })
      .meta({ description: 'Format version; 1.' }),
    referralLink: z.string().min(1).default(DEFAULT_REFERRAL_LINK).meta({
      description: 'Template for the derived field `link` (Partner Center page of the referral).',
    }),
    salesforce: SalesforceSection.optional(),
    dynamics: DynamicsSection.optional(),
    expiry: ExpirySettings.optional(),
    routing: Routing.optional(),
    leads: LeadRule.optional(),
    outbound: OutboundRules.prefault({}).meta({
      description: 'What partner actions in the CRM mean for Partner Center (accept, decline, Won/Lost, edits).',
    }),
  })
  .superRefine((mapping, ctx) => {
    checkTemplateAt(ctx, ['referralLink'], mapping.referralLink, false);
    checkLinkPlaceholders(mapping.referralLink, ctx);
    if (!mapping.salesforce && !mapping.dynamics) {
      ctx.addIssue({ code: 'custom', path: [], message: 'needs a salesforce or a dynamics section' });
    }
    const routed = mapping.routing ? [mapping.routing.default, ...mapping.routing.rules.map((r) => r.crm)] : [];
    if (mapping.leads && !mapping.salesforce?.lead && !mapping.dynamics?.lead) {
      ctx.addIssue({ code: 'custom', path: ['leads'], message: 'needs a lead section in salesforce or dynamics' });
    }
    routed.forEach((crm, i) => {
      if (!mapping[crm]) {
        const path = i === 0 ? ['routing', 'default'] : ['routing', 'rules', i - 1, 'crm'];
        ctx.addIssue({ code: 'custom', path, message: `routes to ${crm}, but the mapping file has no ${crm} section` });
      }
    });
  })
  .meta({ title: 'referral-sync mapping file', description: 'Maps Partner Center referrals to CRM opportunities.' });
export type Mapping = z.infer<typeof Mapping>;
export type SalesforceSection = z.infer<typeof SalesforceSection>;
export type DynamicsSection = z.infer<typeof DynamicsSection>;

type Ctx = z.core.$RefinementCtx;

/** The link is itself a derived field, so its template reads referral fields only. */
function checkLinkPlaceholders(template: string, ctx: Ctx): void {
  const parsed = parseTemplate(template);
  if (!parsed.ok) return;
  for (const path of templatePaths(parsed.parts).filter(isDerivedField)) {
    ctx.addIssue({ code: 'custom', path: ['referralLink'], message: `derived field "${path}" cannot be used here` });
  }
}
type Section = {
  fields: Record<string, FieldRule>;
  account?: { match: string[]; fields: Record<string, FieldRule> } | undefined;
};

function checkSection(section: Section, keyField: string, ctx: Ctx): void {
  if (Object.hasOwn(section.fields, keyField)) {
    ctx.addIssue({
      code: 'custom',
      path: ['fields', keyField],
      message: 'is the upsert key; the connector fills it with the referral id',
    });
  }
  checkCaseDuplicates(section.fields, ['fields'], ctx);
  if (!section.account) return;
  checkCaseDuplicates(section.account.fields, ['account', 'fields'], ctx);
  section.account.match.forEach((name, i) => {
    if (!Object.hasOwn(section.account?.fields ?? {}, name)) {
      ctx.addIssue({
        code: 'custom',
        path: ['account', 'match', i],
        message: `"${name}" has no rule in account.fields`,
      });
    } else if (section.account?.match.indexOf(name) !== i) {
      ctx.addIssue({ code: 'custom', path: ['account', 'match', i], message: `"${name}" is listed twice` });
    }
  });
}

/** Salesforce and Dataverse names are case-insensitive: `Amount` and `amount` would collide. */
function checkCaseDuplicates(fields: Record<string, FieldRule>, at: string[], ctx: Ctx): void {
  const seen = new Map<string, string>();
  for (const name of Object.keys(fields)) {
    const first = seen.get(name.toLowerCase());
    if (first !== undefined)
      ctx.addIssue({ code: 'custom', path: [...at, name], message: `is the same field as "${first}"` });
    else seen.set(name.toLowerCase(), name);
  }
}

function requireFields(fields: Record<string, FieldRule>, names: string[], object: string, ctx: Ctx): void {
  const missing = names.filter((name) => !Object.hasOwn(fields, name));
  if (missing.length > 0) {
    ctx.addIssue({
      code: 'custom',
      path: ['fields'],
      message: `${object} needs ${names.join(', ')} on create; missing: ${missing.join(', ')}`,
    });
  }
}

/** One validation problem: where it is (key path) and what is wrong. */
export interface MappingIssue {
  path: (string | number)[];
  message: string;
}

/** Validates parsed YAML/JSON, keeping each problem's key path (the file loader adds line numbers). */
export function validateMapping(data: unknown): { ok: true; mapping: Mapping } | { ok: false; issues: MappingIssue[] } {
  const parsed = Mapping.safeParse(data);
  if (parsed.success) return { ok: true, mapping: parsed.data };
  return { ok: false, issues: parsed.error.issues.flatMap(toMappingIssues) };
}

/** `salesforce.fields.Amount.from` style; `(root)` for the file as a whole. */
export const formatIssuePath = (path: readonly (string | number)[]): string => path.map(String).join('.') || '(root)';

/** Validates parsed YAML/JSON. Every problem is listed, each prefixed with its key path. */
export function parseMapping(data: unknown): { ok: true; mapping: Mapping } | { ok: false; errors: string[] } {
  const result = validateMapping(data);
  if (result.ok) return result;
  return { ok: false, errors: result.issues.map((issue) => `${formatIssuePath(issue.path)}: ${issue.message}`) };
}

function toMappingIssues(issue: z.core.$ZodIssue): MappingIssue[] {
  const path = issue.path.filter((key): key is string | number => typeof key !== 'symbol');
  switch (issue.code) {
    case 'unrecognized_keys': {
      // A typo names what it most likely meant (#15: `form`, `wonHoldHour`).
      const allowed = keysAt(Mapping, path);
      return issue.keys.map((key) => {
        const near = closest(key, allowed);
        return { path: [...path, key], message: `unknown key${near ? ` (did you mean "${near}"?)` : ''}` };
      });
    }
    case 'invalid_key':
      return [{ path, message: issue.issues.map((i) => i.message).join('; ') }];
    case 'invalid_union':
      return [{ path, message: 'expected a single value (text, a number, true/false or null)' }];
    case 'invalid_type':
      // zod reports a missing key as "expected string, received undefined".
      return [{ path, message: issue.message.endsWith('received undefined') ? 'is required' : issue.message }];
    default:
      return [{ path, message: issue.message }];
  }
}
