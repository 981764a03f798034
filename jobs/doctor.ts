import type { Redis } from 'ioredis';
import { connectRedis, mastersOf, type RedisConnection } from '../connectors/redis/connection.ts';
import type { Env } from '../src/config/env.ts';
import type { Mapping } from '../src/mapping/schema.ts';
import type { TokenProvider } from '../src/ports/partner-center.ts';
import type { ColumnCheck, ColumnRequirement } from '../connectors/dynamics/check-dataverse.ts';
import { checkSalesforce, type CheckTarget, type FieldRequirement } from '../connectors/salesforce/check-salesforce.ts';
import { createTokenProvider, partnerCenterAuthFromEnv } from '../connectors/partner-center/token-provider.ts';
import { createRedisKeyValueStore } from '../connectors/redis/kv-store.ts';
import { buildAdapters, loadMappingFor } from './compose.ts';
import { redisPolicy } from './http/readiness.ts';
import { dynamicsProbe } from './credential-probes.ts';
import { createLogger } from './logger.ts';
import { checkRedis, safeUrl } from './redis-check.ts';
import { checkClocks, clockSourcesFromEnv, type ClockSource } from './doctor-clock.ts';

type DoctorStatus = 'ok' | 'warn' | 'fail' | 'skip';
export interface DoctorLine {
  status: DoctorStatus;
  check: string;
  detail: string;
}
export interface DoctorReport {
  lines: DoctorLine[];
  /** Any `fail`: the CLI exits non-zero. Warnings do not fail. */
  failed: boolean;
}

export interface RemoteChecks {
  tokens: TokenProvider;
  salesforce?: CheckTarget | undefined;
  /** Dynamics: one GET proves the sign-in and the entity set; `columns` checks every column used. */
  dynamics?:
    | { probe: () => Promise<void>; describe: string; columns?: (extra: ColumnRequirement[]) => Promise<ColumnCheck[]> }
    | undefined;
  /** Remotes whose clock is compared with ours (Partner Center and each CRM). */
  clocks?: readonly ClockSource[] | undefined;
}

export interface DoctorOptions {
  /** Called before each slow step ("signing in to Salesforce…"); the CLI prints it to stderr. */
  progress?: ((text: string) => void) | undefined;
  /** Builds what the remote checks use; default: the same adapters the worker builds from env. */
  remotes?: ((redis: RedisConnection | undefined, mapping: Mapping | undefined) => Promise<RemoteChecks>) | undefined;
  /** Per remote step (default 60 s). */
  timeoutMs?: number | undefined;
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err)).slice(0, 400);

function bounded<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${Math.round(ms / 1000)} s`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/**
 * `appendonly` from CONFIG GET, else `aof_enabled` from INFO persistence; null when neither
 * answers. On Redis Cluster every master must have it: false if one has not.
 */
export async function aofEnabled(redis: RedisConnection): Promise<boolean | null> {
  const answers = await Promise.all(mastersOf(redis).map(nodeAof));
  return answers.includes(false) ? false : answers.includes(null) ? null : true;
}

async function nodeAof(redis: Redis): Promise<boolean | null> {
  try {
    const reply = await redis.config('GET', 'appendonly');
    if (Array.isArray(reply) && typeof reply[1] === 'string') return reply[1] === 'yes';
  } catch {
    // CONFIG disabled (managed Redis): INFO carries it too.
  }
  try {
    const m = /^aof_enabled:(\d)/m.exec(await redis.info('persistence'));
    return m?.[1] === undefined ? null : m[1] === '1';
  } catch {
    return null;
  }
}

async function checkRedisSetup(redis: RedisConnection, add: (l: DoctorLine) => void): Promise<void> {
  const p = await redisPolicy(redis);
  if (p.policy === null)
    add({
      status: 'warn',
      check: 'Redis maxmemory-policy',
      detail: `could not be read (${p.error ?? 'unknown'}); BullMQ needs noeviction`,
    });
  else if (p.policy === 'noeviction') add({ status: 'ok', check: 'Redis maxmemory-policy', detail: 'noeviction' });
  else {
    add({
      status: 'fail',
      check: 'Redis maxmemory-policy',
      detail: `${p.policy}: RedisConnection may evict queue keys and lose jobs silently. Set \`maxmemory-policy noeviction\` in redis.conf (or CONFIG SET maxmemory-policy noeviction)`,
    });
  }
  const aof = await aofEnabled(redis);
  if (aof === true) add({ status: 'ok', check: 'Redis persistence', detail: 'append-only file on' });
  else {
    add({
      status: 'warn',
      check: 'Redis persistence',
      detail:
        aof === null
          ? 'could not tell whether AOF is on'
          : 'AOF is off: jobs queued since the last snapshot are lost if Redis restarts (`appendonly yes`)',
    });
  }
}

/**
 * `referral-sync doctor`: the mapping, Redis (reachable, noeviction, AOF), the Partner Center
 * sign-in and the Salesforce sign-in with every configured field checked via describe. Each
 * finding is a line; nothing here changes any state.
 */
export async function runDoctor(env: Env, o: DoctorOptions = {}): Promise<DoctorReport> {
  const lines: DoctorLine[] = [];
  const add = (l: DoctorLine) => lines.push(l);
  const progress = o.progress ?? (() => undefined);
  const timeoutMs = o.timeoutMs ?? 60_000;

  let mapping: Mapping | undefined;
  try {
    mapping = await loadMappingFor(env);
    add({ status: 'ok', check: 'mapping file', detail: `${env.MAPPING_FILE} is valid` });
  } catch (err) {
    add({ status: 'fail', check: 'mapping file', detail: message(err) });
  }

  progress(`connecting to Redis at ${safeUrl(env.REDIS_URL)}…`);
  const reach = await checkRedis(env.REDIS_URL, undefined, env.REDIS_CLUSTER);
  let redis: RedisConnection | undefined;
  if (!reach.ok) add({ status: 'fail', check: 'Redis', detail: reach.message });
  else {
    redis = connectRedis({ url: env.REDIS_URL, cluster: env.REDIS_CLUSTER }, { maxRetriesPerRequest: 1 });
    add({ status: 'ok', check: 'Redis', detail: `reachable at ${safeUrl(env.REDIS_URL)}` });
  }
  try {
    if (redis) {
      await redis.ping();
      await checkRedisSetup(redis, add);
    }
    let remotes: RemoteChecks;
    let skipWhy = 'fix the mapping file first';
    try {
      remotes = await (o.remotes ?? defaultRemotes(env))(redis, mapping);
    } catch (err) {
      // A connector that cannot even be built (e.g. an unreadable key file) is one failed line;
      // the Partner Center sign-in is still checked.
      add({ status: 'fail', check: 'CRM connectors', detail: message(err) });
      remotes = await defaultRemotes(env)(redis, undefined);
      mapping = undefined;
      skipWhy = 'not checked: the connector could not be set up (see CRM connectors)';
    }
    if (remotes.clocks && remotes.clocks.length > 0) {
      progress('comparing the clock with Partner Center and the CRM…');
      await checkClocks(remotes.clocks, add, env.HTTP_TIMEOUT_MS);
    }
    await checkPartnerCenter(env, remotes.tokens, redis, add, progress, timeoutMs);
    if (env.CRM !== 'dynamics')
      await checkSalesforceSetup(remotes.salesforce, mapping, add, progress, timeoutMs, skipWhy);
    if (env.CRM !== 'salesforce') await checkDynamics(remotes.dynamics, mapping, add, progress, timeoutMs, skipWhy);
  } finally {
    await redis?.quit();
  }
  return { lines, failed: lines.some((l) => l.status === 'fail') };
}

async function checkPartnerCenter(
  env: Env,
  tokens: TokenProvider,
  redis: RedisConnection | undefined,
  add: (l: DoctorLine) => void,
  progress: (t: string) => void,
  ms: number,
) {
  if (env.TOKEN_CACHE_LOCATION === 'redis' && !redis) {
    add({
      status: 'skip',
      check: 'Partner Center sign-in',
      detail: 'the saved sign-in is kept in Redis, which is not reachable',
    });
    return;
  }
  progress('getting a Partner Center token…');
  try {
    await bounded(tokens.getAccessToken(), ms, 'Entra');
    add({
      status: 'ok',
      check: 'Partner Center sign-in',
      detail: `token obtained (PARTNER_CENTER_AUTH=${env.PARTNER_CENTER_AUTH})`,
    });
  } catch (err) {
    const text = message(err);
    const hint =
      env.PARTNER_CENTER_AUTH === 'delegated' &&
      err instanceof Error &&
      err.name === 'AuthError' &&
      !text.includes('referral-sync login')
        ? ' — run `referral-sync login`'
        : '';
    add({ status: 'fail', check: 'Partner Center sign-in', detail: `${text}${hint}` });
  }
}

async function checkDynamics(
  d: RemoteChecks['dynamics'],
  mapping: Mapping | undefined,
  add: (l: DoctorLine) => void,
  progress: (t: string) => void,
  ms: number,
  skipWhy: string,
) {
  if (!d) {
    add({ status: 'skip', check: 'Dynamics', detail: mapping ? 'no Dynamics connector configured' : skipWhy });
    return;
  }
  progress('signing in to Dataverse…');
  try {
    await bounded(d.probe(), ms, 'Dataverse');
    add({ status: 'ok', check: 'Dynamics sign-in', detail: `signed in; ${d.describe} readable` });
  } catch (err) {
    add({ status: 'fail', check: 'Dynamics sign-in', detail: message(err) });
    return;
  }
  if (!d.columns) return;
  progress('reading the Dataverse table definitions…');
  try {
    for (const c of await bounded(d.columns(mappedDataverseColumns(mapping)), ms, 'Dataverse')) {
      add({
        status: c.ok ? 'ok' : 'fail',
        check: `Dynamics column ${c.entitySet}.${c.column}`,
        detail: c.ok ? `${c.role}: ${c.purpose}` : (c.problem ?? 'not usable'),
      });
    }
  } catch (err) {
    add({ status: 'fail', check: 'Dynamics table definitions', detail: message(err) });
  }
}

/** The columns the mapping file writes (a lookup set with `x@odata.bind` is column `x`). */
function mappedDataverseColumns(mapping: Mapping | undefined): ColumnRequirement[] {
  const section = mapping?.dynamics;
  if (!section) return [];
  const columns = (entitySet: string, fields: Record<string, unknown>): ColumnRequirement[] =>
    Object.keys(fields).map((name) => ({
      entitySet,
      column: name.replace(/@odata\.bind$/, ''),
      role: 'writable',
      purpose: 'written by the mapping',
    }));
  return [
    ...columns(section.entitySet, section.fields),
    ...(section.account ? columns(section.account.entitySet, section.account.fields) : []),
    ...(section.lead ? columns(section.lead.entitySet, section.lead.fields) : []),
  ];
}

/** The fields the mapping file writes, on the opportunity object, Account and Lead. */
function mappedSalesforceFields(mapping: Mapping | undefined): FieldRequirement[] {
  const section = mapping?.salesforce;
  if (!section) return [];
  const fields = (object: string, names: Record<string, unknown>): FieldRequirement[] =>
    Object.keys(names).map((field) => ({ object, field, role: 'writable', purpose: 'written by the mapping' }));
  return [
    ...fields(section.object, section.fields),
    ...(section.account ? fields(section.account.object, section.account.fields) : []),
    ...(section.lead ? fields(section.lead.object, section.lead.fields) : []),
  ];
}

async function checkSalesforceSetup(
  target: CheckTarget | undefined,
  mapping: Mapping | undefined,
  add: (l: DoctorLine) => void,
  progress: (t: string) => void,
  ms: number,
  skipWhy: string,
) {
  if (!target) {
    add({ status: 'skip', check: 'Salesforce', detail: mapping ? 'no Salesforce connector configured' : skipWhy });
    return;
  }
  progress('signing in to Salesforce and describing the configured objects…');
  try {
    const r = await bounded(checkSalesforce(target, mappedSalesforceFields(mapping)), ms, 'Salesforce');
    add({
      status: 'ok',
      check: 'Salesforce sign-in',
      detail: `signed in to ${r.signedIn.instanceUrl} (API ${r.apiVersion})`,
    });
    for (const i of r.items) {
      add({
        status: i.ok ? 'ok' : 'fail',
        check: `Salesforce field ${i.object}.${i.field}`,
        detail: i.ok ? `${i.role}: ${i.purpose}` : (i.problem ?? 'not usable'),
      });
    }
  } catch (err) {
    add({ status: 'fail', check: 'Salesforce sign-in', detail: message(err) });
  }
}

const defaultRemotes =
  (env: Env) =>
  async (redis: RedisConnection | undefined, mapping: Mapping | undefined): Promise<RemoteChecks> => {
    if (redis && mapping) {
      const a = await buildAdapters(env, createLogger({ level: 'silent' }), redis);
      const out: RemoteChecks = { tokens: a.tokens, clocks: clockSourcesFromEnv(env) };
      for (const { connector: c } of a.crms) {
        if (c.kind === 'salesforce') out.salesforce = c;
        else
          out.dynamics = {
            probe: dynamicsProbe(c),
            describe: `${c.settings.entitySet}.${c.settings.alternateKey}`,
            columns: (extra) => c.checkColumns(extra),
          };
      }
      return out;
    }
    const kv = redis ? { kv: createRedisKeyValueStore(redis, env.REDIS_PREFIX) } : {};
    return { tokens: createTokenProvider(partnerCenterAuthFromEnv(env, kv)), clocks: clockSourcesFromEnv(env) };
  };

/** The report as terminal lines. */
export const formatDoctorReport = (r: DoctorReport): string =>
  r.lines.map((l) => `${`[${l.status}]`.padEnd(7)} ${l.check}: ${l.detail}`).join('\n') +
  `\n${r.failed ? 'doctor found problems' : 'all checks passed'}\n`;
