import { z } from 'zod';
import { DEFAULT_TOKEN_TIMEOUT_MS } from './timeouts.ts';
import { parseFailureKinds } from '../alerts/failure-digest.ts';

/*
 * Every environment variable the process reads, in one schema, parsed once at start
 * (`parseEnv(process.env)` in jobs/). `.env.example` and README list the same variables;
 * test/env-docs.test.ts keeps the three in step.
 */

/** localhost, 127.0.0.0/8 and [::1]: a plain-http URL there never leaves the machine. */
const isLoopbackUrl = (u: URL): boolean =>
  u.hostname === 'localhost' || u.hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(u.hostname);
/**
 * A remote the worker sends credentials or customer data to: https, or http only on loopback
 * (fakes, a local proxy). Plain http elsewhere would put tokens on the wire (issue 14).
 */
const url = z.url({ message: 'must be an absolute URL' }).refine(
  (s) => {
    if (!URL.canParse(s)) return true; // reported by the URL check above
    const u = new URL(s);
    return u.protocol === 'https:' || (u.protocol === 'http:' && isLoopbackUrl(u));
  },
  {
    message: 'must be https:// (http:// only for localhost or 127.0.0.1)',
  },
);
const positiveInt = z.coerce.number().int().positive();
const optionalSecret = z.string().min(1).optional();
/**
 * How long a completed sync job stays in Redis (jobs/queues.ts). A webhook event is recognised as
 * a replay by its job id while that job is kept, so events may not be accepted for longer than
 * this (PARTNER_CENTER_WEBHOOK_MAX_AGE_MS, issue 14).
 */
export const COMPLETED_JOB_RETENTION_MS = 7 * 24 * 3_600_000;
/**
 * TOKEN_CACHE_KEY: 32 bytes as 64 hex characters or base64 (43 characters, `=` optional). The
 * connector's parseCacheKey uses this same pattern, so the start-up check and the key agree (#14).
 */
export const TOKEN_CACHE_KEY_FORMAT = /^(?:[0-9a-fA-F]{64}|[A-Za-z0-9+/]{43}=?)$/;

export const Env = z.object({
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')
    .default('redis://127.0.0.1:6379'),
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_{}-]+$/, 'letters, digits, _ - { } only')
    .default('rsync'),
  REDIS_CLUSTER: z
    .enum(['true', 'false'], { error: "must be 'true' or 'false'" })
    .default('false')
    .transform((v) => v === 'true'),

  ENTRA_AUTHORITY_HOST: url.default('https://login.microsoftonline.com'),
  // Issue 15: msal asks Microsoft's instance discovery about any host it does not know, so a host
  // outside Microsoft's clouds (an on-premises or test identity provider) must be named here.
  ENTRA_KNOWN_AUTHORITIES: z
    .string()
    .optional()
    .transform((v) =>
      (v ?? '')
        .split(',')
        .map((h) => h.trim())
        .filter((h) => h !== ''),
    )
    .pipe(z.array(z.string().regex(/^[A-Za-z0-9.-]+(:\d{1,5})?$/, 'host names (host or host:port), comma-separated'))),
  PARTNER_CENTER_API_URL: url.default('https://api.partner.microsoft.com'),
  PARTNER_CENTER_AUTH: z.enum(['delegated', 'app']).default('delegated'),
  PARTNER_CENTER_TENANT_ID: z.string().min(1).default('organizations'),
  PARTNER_CENTER_CLIENT_ID: z.string().min(1, 'is required'),
  PARTNER_CENTER_CLIENT_SECRET: optionalSecret,
  PARTNER_CENTER_SCOPE: z.string().min(1).default('https://api.partner.microsoft.com/.default'),
  TOKEN_CACHE_KEY: z
    .string()
    .trim()
    .regex(TOKEN_CACHE_KEY_FORMAT, 'must be 32 bytes as base64 (44 chars) or hex (64 chars)')
    .optional(),
  TOKEN_CACHE_LOCATION: z
    .string()
    .regex(/^(file:.+|redis)$/, "must be 'redis' or 'file:<path>'")
    .default('file:.referral-sync/msal-cache.enc'),

  CRM: z.enum(['salesforce', 'dynamics', 'both']).default('salesforce'),
  MAPPING_FILE: z.string().min(1).default('config/mapping.default.yaml'),

  SALESFORCE_LOGIN_URL: url.default('https://login.salesforce.com'),
  SALESFORCE_INSTANCE_URL: url.optional(),
  SALESFORCE_AUTH: z.enum(['jwt', 'client_credentials']).default('jwt'),
  SALESFORCE_API_VERSION: z
    .string()
    .regex(/^\d{2}\.0$/, 'like 62.0')
    .default('62.0'),
  SALESFORCE_CLIENT_ID: z.string().min(1).optional(),
  SALESFORCE_CLIENT_SECRET: optionalSecret,
  SALESFORCE_USERNAME: z.string().min(1).optional(),
  SALESFORCE_PRIVATE_KEY: optionalSecret,
  SALESFORCE_PRIVATE_KEY_FILE: z.string().min(1).optional(),

  DYNAMICS_URL: url.optional(),
  DYNAMICS_TENANT_ID: z.string().min(1).optional(),
  DYNAMICS_CLIENT_ID: z.string().min(1).optional(),
  DYNAMICS_CLIENT_SECRET: optionalSecret,
  DYNAMICS_SCOPE: z.string().min(1).optional(),

  PULL_INTERVAL_MS: positiveInt.default(300_000),
  /** The reconcile sweep (issue 12); 0 turns the scheduled sweep off (`reconcile` still runs on demand). */
  RECONCILE_INTERVAL_MS: z.coerce.number().int().nonnegative().default(86_400_000),
  PULL_OVERLAP_MS: z.coerce.number().int().min(0).default(120_000),
  INITIAL_SYNC_SINCE: z.iso.datetime({ message: 'must be an ISO 8601 UTC date-time' }).optional(),
  SYNC_CONCURRENCY: positiveInt.optional(),
  SYNC_ATTEMPTS: positiveInt.default(8),
  BATCH_WINDOW_MS: z.coerce.number().int().min(0).default(500),
  PARTNER_CENTER_PAGE_SIZE: positiveInt.max(1000).default(100),
  /** Sync jobs started per second, each making at most one Partner Center write (issue 19); 0 = unpaced. */
  PARTNER_CENTER_MAX_RPS: z.coerce.number().int().nonnegative().default(0),
  // Issue 12: no outbound call may wait on Node's defaults (a hung token endpoint held ~300 s).
  TOKEN_TIMEOUT_MS: positiveInt.default(DEFAULT_TOKEN_TIMEOUT_MS),
  HTTP_TIMEOUT_MS: positiveInt.default(30_000),
  CRM_TIMEOUT_MS: positiveInt.default(120_000),
  SHUTDOWN_TIMEOUT_MS: positiveInt.default(30_000),

  OUTBOUND_SYNC: z.enum(['on', 'off']).default('on'),
  CRM_POLL_INTERVAL_MS: positiveInt.default(60_000),
  CRM_POLL_OVERLAP_MS: z.coerce.number().int().min(0).default(120_000),

  DASHBOARD: z.enum(['on', 'off']).default('on'),
  DASHBOARD_HOST: z.string().min(1).default('127.0.0.1'),
  DASHBOARD_PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  DASHBOARD_TOKENS: optionalSecret,
  DASHBOARD_BASIC_USERS: optionalSecret,
  DASHBOARD_UPSTREAM_USER_HEADER: z.string().min(1).optional(),
  DASHBOARD_OPERATORS: z.string().min(1).optional(),
  // Addresses of the proxy that sets DASHBOARD_UPSTREAM_USER_HEADER; from other peers it is ignored (issue 14).
  DASHBOARD_TRUSTED_PROXIES: z.string().min(1).optional(),
  DASHBOARD_PUBLIC_METRICS: z.enum(['on', 'off']).default('off'),
  // Public names a proxy forwards to the dashboard; other Host values get 421 (DNS rebinding, issue 14).
  DASHBOARD_ALLOWED_HOSTS: z.string().min(1).optional(),
  PARTNER_CENTER_WEBHOOK_CERT_HOSTS: z.string().min(1).default('3psostorageacct.blob.core.windows.net'),
  PARTNER_CENTER_WEBHOOK_MAX_AGE_MS: positiveInt
    .max(
      COMPLETED_JOB_RETENTION_MS,
      `must be at most ${COMPLETED_JOB_RETENTION_MS} (7 days: completed jobs, which detect replays, are kept up to that long, or the last 50 000)`,
    )
    .default(21_600_000),
  PARTNER_CENTER_WEBHOOK_API_URL: url.default('https://api.partnercenter.microsoft.com'),
  PARTNER_CENTER_WEBHOOK_SCOPE: z.string().min(1).default('https://api.partnercenter.microsoft.com/.default'),
  CREDENTIAL_PROBE_INTERVAL_MS: positiveInt.default(60_000),

  EXPIRY_SCAN_INTERVAL_MS: positiveInt.default(900_000),
  TIME_ZONE: z
    .string()
    .refine((tz) => {
      try {
        new Intl.DateTimeFormat('en-GB', { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    }, 'must be an IANA time zone such as Europe/Berlin')
    .default('UTC'),
  ALERT_WEBHOOK_URL: url.optional(),
  ALERT_WEBHOOK_FORMAT: z.enum(['json', 'slack', 'teams']).default('json'),
  ALERT_WEBHOOK_TIMEOUT_MS: positiveInt.default(10_000),
  // Failure alerts (issue 18): which kinds go to ALERT_WEBHOOK_URL as a digest, and how often.
  FAILURE_ALERTS: z
    .string()
    .default('all')
    .refine((s) => parseFailureKinds(s).unknown.length === 0, {
      message: "must be 'all', 'off' or a comma-separated list of parked, credentials, state-loss, stuck, throttled",
    })
    .transform((s) => parseFailureKinds(s).kinds),
  FAILURE_ALERT_WINDOW_MS: positiveInt.min(60_000).default(900_000),
  FAILURE_ALERT_STUCK_MINUTES: positiveInt.default(30),
  FAILURE_ALERT_THROTTLED_JOBS: positiveInt.default(10),
  // Only a link in alerts (never called by the worker), so plain http is allowed here.
  DASHBOARD_PUBLIC_URL: z.url({ protocol: /^https?$/, message: 'must be an absolute http(s) URL' }).optional(),
  /** Owners labelled in the response-time metrics; the rest are summed under owner="(other)". */
  REPORT_METRICS_OWNERS: z.coerce.number().int().min(0).max(100).default(10),
});
export type Env = z.infer<typeof Env>;

/**
 * Rules across variables. They read the raw strings (with the same defaults) rather than the
 * parsed object so they are reported together with single-variable problems: zod skips
 * refinements once any field failed, and the admin should see every problem in one go.
 */
function crossVariableProblems(raw: Record<string, string | undefined>): string[] {
  const problems: string[] = [];
  const has = (name: string) => raw[name] !== undefined;
  const need = (name: string, why: string) => {
    if (!has(name)) problems.push(`${name} is required ${why}`);
  };
  problems.push(...redisProblems(raw));
  const pcAuth = raw.PARTNER_CENTER_AUTH ?? 'delegated';
  if (pcAuth === 'app') need('PARTNER_CENTER_CLIENT_SECRET', 'when PARTNER_CENTER_AUTH=app');
  if (pcAuth === 'delegated')
    need('TOKEN_CACHE_KEY', 'to encrypt the saved sign-in when PARTNER_CENTER_AUTH=delegated');
  const crm = raw.CRM ?? 'salesforce';
  if (crm === 'dynamics' || crm === 'both') {
    for (const name of ['DYNAMICS_URL', 'DYNAMICS_TENANT_ID', 'DYNAMICS_CLIENT_ID', 'DYNAMICS_CLIENT_SECRET'])
      need(name, `when CRM=${crm}`);
  }
  if (crm === 'salesforce' || crm === 'both') {
    need('SALESFORCE_CLIENT_ID', `when CRM=${crm}`);
    if ((raw.SALESFORCE_AUTH ?? 'jwt') === 'jwt') {
      need('SALESFORCE_USERNAME', 'when SALESFORCE_AUTH=jwt');
      if (!has('SALESFORCE_PRIVATE_KEY') && !has('SALESFORCE_PRIVATE_KEY_FILE')) {
        problems.push('SALESFORCE_PRIVATE_KEY or SALESFORCE_PRIVATE_KEY_FILE is required when SALESFORCE_AUTH=jwt');
      }
    } else {
      need('SALESFORCE_CLIENT_SECRET', 'when SALESFORCE_AUTH=client_credentials');
      need('SALESFORCE_INSTANCE_URL', '(your My Domain URL) when SALESFORCE_AUTH=client_credentials');
    }
  }
  return problems;
}

function redisProblems(raw: Record<string, string | undefined>): string[] {
  if (raw.REDIS_CLUSTER === 'true' && !/\{[^{}]+\}/.test(raw.REDIS_PREFIX ?? 'rsync')) {
    return [
      'REDIS_PREFIX must hold a hash tag such as {rsync} when REDIS_CLUSTER=true (every key of a queue must live in one slot)',
    ];
  }
  return [];
}

export type EnvResult = { ok: true; env: Env } | { ok: false; problems: string[] };

/**
 * Parses the environment. Problems name the variable and the rule, never the value, so a
 * mistyped secret does not end up in a terminal or log.
 */
export function parseEnv(source: Record<string, string | undefined>): EnvResult {
  return parseWith(Env, source, crossVariableProblems);
}

/**
 * What the commands that only read and queue in Redis need (`status`, `at-risk`, `history`,
 * `replay`, `dismiss`, `report`): Redis, the mapping file (at-risk levels, contact-me rules), the
 * time zone and the sync attempts a replayed job gets. No CRM or Partner Center credentials, so
 * they run from an ops laptop or against the demo (issue 18).
 */
export const AdminEnv = Env.pick({
  LOG_LEVEL: true,
  REDIS_URL: true,
  REDIS_PREFIX: true,
  REDIS_CLUSTER: true,
  MAPPING_FILE: true,
  TIME_ZONE: true,
  SYNC_ATTEMPTS: true,
});
export type AdminEnv = z.infer<typeof AdminEnv>;

export type AdminEnvResult = { ok: true; env: AdminEnv } | { ok: false; problems: string[] };

/** parseEnv for the Redis-only commands: other variables, set or not, are not looked at. */
export function parseAdminEnv(source: Record<string, string | undefined>): AdminEnvResult {
  return parseWith(AdminEnv, source, redisProblems);
}

function parseWith<S extends z.ZodType>(
  schema: S,
  source: Record<string, string | undefined>,
  crossRules: (raw: Record<string, string | undefined>) => string[],
): { ok: true; env: z.infer<S> } | { ok: false; problems: string[] } {
  // Empty strings count as unset: `FOO=` in a .env file means "not configured".
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(cleaned);
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((issue) => {
        const name = issue.path.join('.') || '(environment)';
        const message =
          issue.code === 'invalid_type' && cleaned[name] === undefined ? 'is required' : sanitize(issue.message);
        return `${name} ${message}`;
      });
  problems.push(...crossRules(cleaned));
  if (parsed.success && problems.length === 0) return { ok: true, env: parsed.data };
  return { ok: false, problems: [...new Set(problems)] };
}

/** zod messages can quote the received value for enums/literals; strip anything quoted. */
function sanitize(message: string): string {
  return message.replace(/received\s+"[^"]*"/g, 'received a different value');
}
