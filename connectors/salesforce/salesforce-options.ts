import { z } from 'zod';
import { DEFAULT_TOKEN_TIMEOUT_MS } from '../../src/config/timeouts.ts';
import { FatalError } from '../../src/errors.ts';
import { SalesforceOutboundFields } from '../../src/mapping/outbound-fields.ts';
import { OutboundRules } from '../../src/outbound/outbound-rules.ts';

/** API names are interpolated into URLs and SOQL, so only plain identifiers are accepted. */
export const ApiName = z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'must be an API name like Referral_Id__c');
const baseUrl = z.url({ message: 'must be an absolute URL' }).transform((u) => u.replace(/\/+$/, ''));

const SalesforceAuth = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('jwt'),
    /** Consumer key of the External Client App (JWT `iss`). */
    clientId: z.string().min(1),
    /** Integration user's username (JWT `sub`); the user must be pre-authorised for the app. */
    username: z.string().min(1),
    /** PEM private key matching the certificate uploaded to the app. */
    privateKey: z.string().min(1),
    /** JWT `aud`; defaults to loginUrl (https://login.salesforce.com or https://test.salesforce.com). */
    audience: z.string().min(1).optional(),
  }),
  z.object({
    kind: z.literal('client_credentials'),
    clientId: z.string().min(1),
    clientSecret: z.string().min(1),
  }),
]);
export type SalesforceAuth = z.infer<typeof SalesforceAuth>;

const validTimeZone = (tz: string): boolean => {
  try {
    new Intl.DateTimeFormat('en-CA', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
};

/** Referrals as Leads (issue 16): the mapping file's `salesforce.lead` section, as the connector needs it. */
export const SalesforceLeadOptions = z.object({
  externalIdField: ApiName.default('Referral_Id__c'),
  /** Lead Status values that decline the referral. */
  declineStatuses: z.array(z.string().min(1)).min(1).default(['Closed - Not Converted']),
  reasonField: ApiName.default('Referral_Decline_Reason__c'),
  reasonMap: z.record(z.string(), z.string()).default({}),
  /** Lead field for the sync message; null: none. */
  message: ApiName.nullable().default(null),
  expiryFields: z
    .object({ expiresAt: ApiName, level: ApiName })
    .default({ expiresAt: 'Referral_Expires_At__c', level: 'Referral_Expiry_Level__c' }),
});
export type SalesforceLeadOptions = z.output<typeof SalesforceLeadOptions>;

export const SalesforceOptions = z
  .object({
    loginUrl: baseUrl.default('https://login.salesforce.com'),
    /** My Domain URL; required for client credentials (the token endpoint lives there). */
    instanceUrl: baseUrl.optional(),
    auth: SalesforceAuth,
    /** Set explicitly: jsforce defaults to 50.0. */
    apiVersion: z
      .string()
      .regex(/^\d{2,3}\.0$/, 'like 62.0')
      // sObject Collections upsert (one call per 200 records) needs API 46.0 or later.
      .refine((v) => Number.parseInt(v, 10) >= 46, 'must be 46.0 or later')
      .default('62.0'),
    objectName: ApiName.default('Opportunity'),
    /** Unique External ID field holding the referral id. */
    externalIdField: ApiName.default('Referral_Id__c'),
    /** Unique External ID text field on Account holding our normalized match key. */
    accountKeyField: ApiName.default('Referral_Sync_Key__c'),
    /** Unique External ID text field on Task holding `<referralId>-<level>`. */
    taskKeyField: ApiName.default('Referral_Sync_Key__c'),
    expiryFields: z
      .object({ expiresAt: ApiName, level: ApiName })
      .default({ expiresAt: 'Referral_Expires_At__c', level: 'Referral_Expiry_Level__c' }),
    /** Time zone of the task's ActivityDate (the deadline's calendar date). */
    taskTimeZone: z.string().refine(validTimeZone, 'must be an IANA time zone').default('UTC'),
    /** Replaces jsforce's env-derived proxy (our transport defaults overwrite its defaults). */
    httpProxy: z.string().min(1).optional(),
    /** CRM_TIMEOUT_MS: per API call; jsforce's own default is 30 minutes. */
    timeoutMs: z.number().int().positive().default(120_000),
    /**
     * TOKEN_TIMEOUT_MS: the OAuth token POST (JWT bearer / client credentials). Short, as every
     * call waits on the one sign-in; jsforce otherwise applies its API-call default to it.
     */
    tokenTimeoutMs: z.number().int().positive().default(DEFAULT_TOKEN_TIMEOUT_MS),
    /**
     * Outbound sync (issue 4): `fields` from the mapping file's `salesforce.outbound`, `rules`
     * from its top-level `outbound`. Absent: the CrmOutbound methods throw FatalError.
     */
    outbound: z.object({ fields: SalesforceOutboundFields, rules: OutboundRules }).optional(),
    /** Referrals as Leads (issue 16); absent: opportunities only. */
    lead: SalesforceLeadOptions.optional(),
  })
  .superRefine((o, ctx) => {
    if (o.auth.kind === 'client_credentials' && o.instanceUrl === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['instanceUrl'],
        message: 'is required (your My Domain URL) for client credentials',
      });
    }
  });
export type SalesforceOptionsInput = z.input<typeof SalesforceOptions>;
export type SalesforceOptions = z.output<typeof SalesforceOptions>;

/** Parses connector options; problems name the option, never its value (keys and secrets). */
export function parseSalesforceOptions(input: SalesforceOptionsInput): SalesforceOptions {
  const parsed = SalesforceOptions.safeParse(input);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map(
    (i) =>
      `${i.path.join('.') || '(options)'} ${i.message.replace(/received\s+"[^"]*"/g, 'received a different value')}`,
  );
  throw new FatalError(`salesforce options: ${problems.join('; ')}`);
}
