import { z } from 'zod';
import { DEFAULT_TOKEN_TIMEOUT_MS } from '../../src/config/timeouts.ts';
import { FatalError } from '../../src/errors.ts';
import { OutboundRules } from '../../src/outbound/outbound-rules.ts';
import { DynamicsOutboundFields } from '../../src/mapping/outbound-fields.ts';

/** Logical names and entity sets are interpolated into URLs and $filter, so only plain identifiers pass. */
export const LogicalName = z
  .string()
  .regex(/^[a-z_][a-z0-9_]*$/, 'must be a lower-case logical name like new_referralid');
const absoluteUrl = z.url({ message: 'must be an absolute URL' }).transform((u) => u.replace(/\/+$/, ''));

const DataverseAuth = z.object({
  /** ENTRA_AUTHORITY_HOST, e.g. https://login.microsoftonline.com. */
  authorityHost: absoluteUrl.default('https://login.microsoftonline.com'),
  /** The tenant id or domain of the Dataverse environment (client credentials need a real tenant). */
  tenantId: z
    .string()
    .min(1)
    .refine((t) => !['common', 'organizations', 'consumers'].includes(t), 'must be a tenant id or domain'),
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
  /**
   * Defaults to `<url>/.default`, the application permission on the environment (docs/dataverse-api.md,
   * "Authentication").
   */
  scope: z.string().min(1).optional(),
  /** OpenID configuration JSON: with cloudDiscoveryMetadata, msal makes only the token POST. */
  authorityMetadata: z.string().min(1).optional(),
  cloudDiscoveryMetadata: z.string().min(1).optional(),
  /** ENTRA_KNOWN_AUTHORITIES: hosts msal trusts without Microsoft's instance discovery. */
  knownAuthorities: z.array(z.string().min(1)).default([]),
  /** TOKEN_TIMEOUT_MS: each token request, and a whole renewal, ends after this. */
  timeoutMs: z.number().int().positive().default(DEFAULT_TOKEN_TIMEOUT_MS),
});

const Columns = z.object({ expiresAt: LogicalName, level: LogicalName });

export const DynamicsOptions = z.object({
  /** DYNAMICS_URL: the environment URL, e.g. https://contoso.crm4.dynamics.com. */
  url: absoluteUrl,
  apiPath: z
    .string()
    .regex(/^\/[A-Za-z0-9._/-]*[^/]$/, 'like /api/data/v9.2')
    .default('/api/data/v9.2'),
  auth: DataverseAuth,
  entitySet: LogicalName.default('opportunities'),
  /** Alternate key column holding the referral id (mapping `dynamics.alternateKey`). */
  alternateKey: LogicalName.default('new_referralid'),
  account: z
    .object({
      entitySet: LogicalName.default('accounts'),
      /** Text column with an alternate key holding our normalized match key (no duplicate accounts). */
      keyColumn: LogicalName.default('new_referralsynckey'),
    })
    .prefault({}),
  expiryColumns: Columns.default({ expiresAt: 'new_referralexpiresat', level: 'new_referralexpirylevel' }),
  /**
   * Dataverse has no free-text stage like Salesforce's StageName: the business process flow owns
   * `stepname` and overwrites it when the flow moves. So `read` fills CrmSnapshot.stage (for
   * on-hold stages) and `write` is null unless the admin names a text column they own.
   */
  stageColumns: z
    .object({ read: LogicalName.nullable().default('stepname'), write: LogicalName.nullable().default(null) })
    .prefault({}),
  /** Mapping `dynamics.outbound` and `outbound`; the defaults are the mapping file's. */
  outbound: z.object({ fields: DynamicsOutboundFields.prefault({}), rules: OutboundRules }).prefault({}),
  /** Referrals as leads (issue 16): the mapping file's `dynamics.lead` section; absent: opportunities only. */
  lead: z
    .object({
      alternateKey: LogicalName.default('new_referralid'),
      /** Disqualified statuscode -> Partner Center statusReason. */
      reasonMap: z.record(z.string(), z.string()).default({}),
      message: LogicalName.nullable().default(null),
      expiryColumns: Columns.default({ expiresAt: 'new_referralexpiresat', level: 'new_referralexpirylevel' }),
    })
    .optional(),
  /** Rows per page asked with `Prefer: odata.maxpagesize` (Dataverse caps at 5,000). */
  pageSize: z.number().int().min(1).max(5000).default(500),
  /** CRM_TIMEOUT_MS: per API call; a full $batch of upserts can take tens of seconds. */
  timeoutMs: z.number().int().positive().default(120_000),
  /** Drafts per `$batch` (Dataverse allows 1,000 requests per batch, docs/dataverse-api.md, "Batches"). */
  maxBatch: z.number().int().min(1).max(1000).default(1000),
});
export type DynamicsOptionsInput = z.input<typeof DynamicsOptions>;
export type DynamicsOptions = z.output<typeof DynamicsOptions>;

/** Parses connector options; problems name the option, never its value (secrets). */
export function parseDynamicsOptions(input: DynamicsOptionsInput): DynamicsOptions {
  const parsed = DynamicsOptions.safeParse(input);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map(
    (i) =>
      `${i.path.join('.') || '(options)'} ${i.message.replace(/received\s+"[^"]*"/g, 'received a different value')}`,
  );
  throw new FatalError(`dynamics options: ${problems.join('; ')}`);
}

/** The scope for the environment: `https://org.crm.dynamics.com/.default`. */
export const scopeOf = (o: DynamicsOptions): string => o.auth.scope ?? `${o.url}/.default`;
