import { userInfo } from 'node:os';
import { Command } from 'commander';
import { connectRedis, type RedisConnection } from '../connectors/redis/connection.ts';
import type { Env } from '../src/config/env.ts';
import { scrubText } from '../src/log/logger.ts';
import { mappingSchemaFileText } from '../src/mapping/json-schema.ts';
import { loginWithDeviceCode } from '../connectors/partner-center/delegated-auth.ts';
import { partnerCenterAuthFromEnv } from '../connectors/partner-center/token-provider.ts';
import { createRedisKeyValueStore } from '../connectors/redis/kv-store.ts';
import { plainLine } from '../src/text/display.ts';
import {
  atRiskOptionsFor,
  deploymentOf,
  buildAdapters,
  expiryOptionsFor,
  failureAlertOptionsFor,
  loadMappingFor,
  opsNotifier,
} from './compose.ts';
import { createRedisMappingStore } from '../connectors/redis/mapping-store.ts';
import { createLiveMapping } from './live-mapping.ts';
import { mappingAtStart } from './mapping-versions.ts';
import { registerMappingCommands } from './mapping-command.ts';
import { adminEnvOrExit, envOrExit } from './env-or-exit.ts';
import { createLogger } from './logger.ts';
import { loadMappingFile, parseMappingText } from './mapping-file.ts';
import { checkRedis } from './redis-check.ts';
import { startRuntime, type Runtime } from './runtime.ts';
import { syncOnce } from './sync-once.ts';
import { atRisk, dismiss, history, showStatus, replay, UnknownReferralError } from './admin.ts';
import { readFile } from 'node:fs/promises';
import { httpOptionsOrThrow, startOps } from './ops.ts';
import { startStandaloneDashboard } from './http/standalone.ts';
import { formatDoctorReport, runDoctor } from './doctor.ts';
import { printReconcile, runReconcileCommand } from './reconcile-command.ts';
import {
  runWebhookRegister,
  showWebhookRegistration,
  webhookRegistrationApiFromEnv,
} from './webhook-intake/register-command.ts';

const program = new Command('referral-sync')
  .description('Sync Microsoft Partner Center referrals with your CRM')
  .showHelpAfterError();

async function redisOrExit(env: Pick<Env, 'REDIS_URL' | 'REDIS_CLUSTER'>): Promise<void> {
  const r = await checkRedis(env.REDIS_URL, undefined, env.REDIS_CLUSTER);
  if (!r.ok) {
    process.stderr.write(`referral-sync: ${r.message}\n`);
    process.exit(3);
  }
}

async function runtimeFromEnv(env: Env, schedulePull: boolean, withOps = false): Promise<Runtime> {
  await redisOrExit(env);
  const log = createLogger({ level: env.LOG_LEVEL });
  const redis = connectRedis({ url: env.REDIS_URL, cluster: env.REDIS_CLUSTER }, { maxRetriesPerRequest: null });
  // Issue 17: the newest of MAPPING_FILE and the versions saved in Redis; later saves hot-reload.
  const store = createRedisMappingStore(redis, env.REDIS_PREFIX);
  const deployment = deploymentOf(env);
  const inForce = await mappingAtStart({
    file: env.MAPPING_FILE,
    store,
    deployment,
    log,
    now: new Date(),
    importFile: true,
  });
  const adapters = await buildAdapters(env, log, redis, inForce.mapping);
  const rt = await startRuntime({
    mapping: createLiveMapping({ store, start: inForce, deployment, log }),
    redisUrl: env.REDIS_URL,
    redisCluster: env.REDIS_CLUSTER,
    prefix: env.REDIS_PREFIX,
    partnerCenter: adapters.partnerCenter,
    crms: adapters.crms,
    route: adapters.route,
    log,
    pullIntervalMs: env.PULL_INTERVAL_MS,
    overlapMs: env.PULL_OVERLAP_MS,
    initialSince: new Date(env.INITIAL_SYNC_SINCE ?? 0),
    pageSize: env.PARTNER_CENTER_PAGE_SIZE,
    concurrency: env.SYNC_CONCURRENCY,
    attempts: env.SYNC_ATTEMPTS,
    batchWindowMs: env.BATCH_WINDOW_MS,
    partnerCenterMaxRps: env.PARTNER_CENTER_MAX_RPS,
    schedulePull,
    schedulePolls: schedulePull,
    expiry: expiryOptionsFor(env, adapters.mapping, schedulePull),
    notify: opsNotifier(env),
    // Digests are posted by the long-running worker only; `sync` is a one-off.
    ...(schedulePull ? { failureAlerts: failureAlertOptionsFor(env, true) } : {}),
    ...(schedulePull ? { reconcileIntervalMs: env.RECONCILE_INTERVAL_MS } : {}),
  });
  // The dashboard, webhook intake and credential health live in the worker process (`start`).
  const ops = withOps ? await startOps(env, rt, adapters, log) : undefined;
  if (ops?.url) process.stdout.write(`dashboard: ${ops.url}\n`);
  const close = rt.close;
  return {
    ...rt,
    close: async (t?: number) => {
      await ops?.close();
      await close(t);
      await redis.quit();
    },
  };
}

program
  .command('start')
  .description('run the worker: scheduled pulls and sync jobs, until SIGTERM/SIGINT')
  .action(async () => {
    const env = envOrExit();
    const rt = await runtimeFromEnv(env, true, true);
    const log = createLogger({ level: env.LOG_LEVEL });
    log.info({ pullIntervalMs: env.PULL_INTERVAL_MS, crm: env.CRM }, 'worker started');
    const stop = (signal: string) => {
      log.info({ signal }, 'shutting down: finishing in-flight jobs');
      rt.close(env.SHUTDOWN_TIMEOUT_MS).then(
        () => process.exit(0),
        (err: unknown) => {
          log.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });

program
  .command('login')
  .description('sign the Partner Center service user in (device code); the encrypted sign-in is saved for the worker')
  .action(async () => {
    const env = envOrExit();
    if (env.PARTNER_CENTER_AUTH !== 'delegated') {
      process.stdout.write('PARTNER_CENTER_AUTH=app uses client credentials; there is nothing to sign in.\n');
      return;
    }
    let redis: RedisConnection | undefined;
    if (env.TOKEN_CACHE_LOCATION === 'redis') {
      await redisOrExit(env);
      redis = connectRedis({ url: env.REDIS_URL, cluster: env.REDIS_CLUSTER });
    }
    const auth = partnerCenterAuthFromEnv(env, redis ? { kv: createRedisKeyValueStore(redis, env.REDIS_PREFIX) } : {});
    if (auth.mode !== 'delegated') return;
    const { username } = await loginWithDeviceCode(auth, {
      onPrompt: (p) =>
        process.stdout.write(
          `\nTo sign in, open ${p.verificationUri} and enter the code ${p.userCode}\n(the code expires in ${Math.round(p.expiresInSec / 60)} minutes)\n\n`,
        ),
    });
    process.stdout.write(`Signed in as ${username}. The worker will now get tokens silently.\n`);
    await redis?.quit();
  });

program
  .command('sync')
  .description('run one pull-and-sync cycle and exit (non-zero when a referral was parked); `start` runs continuously')
  // Optional (#15): one cycle is what `sync` does; the flag stays so existing scripts keep working.
  .option('--once', 'one cycle, then exit (the default, and the only mode of `sync`)')
  .option('--max-wait <seconds>', 'give up waiting for retries after this long', '600')
  .action(async (opts: { maxWait: string }) => {
    // Checked before anything starts (#14), like demo's --port.
    if (!/^\d{1,7}$/.test(opts.maxWait)) {
      process.stderr.write(
        `referral-sync sync: --max-wait takes a number of seconds, not '${plainLine(opts.maxWait.slice(0, 20))}'\n`,
      );
      process.exit(2);
    }
    const env = envOrExit();
    const rt = await runtimeFromEnv(env, false);
    try {
      const s = await syncOnce(rt, {
        maxWaitMs: Number(opts.maxWait) * 1000,
        onProgress: (done, total) => {
          if (process.stderr.isTTY) process.stderr.write(`\rsynced ${done}/${total}`);
        },
      });
      if (process.stderr.isTTY) process.stderr.write('\n');
      process.stdout.write(
        `fetched ${s.fetched}, created ${s.created}, updated ${s.updated}, unchanged ${s.unchanged}, parked ${s.parked}` +
          (s.pending ? `, still retrying ${s.pending}` : '') +
          '\n',
      );
      if (s.parked > 0 || s.pending > 0) {
        const parked = await rt.parking.list(20);
        for (const p of parked)
          process.stdout.write(`  parked ${plainLine(p.referralId)} [${plainLine(p.stage)}]: ${plainLine(p.reason)}\n`);
        process.exitCode = 1;
      }
    } finally {
      await rt.close();
    }
  });

program
  .command('reconcile')
  .description('compare Partner Center, the CRM and stored state; queue a repair job for each drift')
  .option('--dry-run', 'list the drift, queue nothing')
  .option('--json', 'machine-readable output')
  .action(async (opts: { dryRun?: boolean; json?: boolean }) => {
    const env = envOrExit();
    await redisOrExit(env);
    // Logs go to stderr so that stdout stays the table (or JSON) alone.
    const log = createLogger({ level: env.LOG_LEVEL, destination: process.stderr });
    const redis = connectRedis({ url: env.REDIS_URL, cluster: env.REDIS_CLUSTER }, { maxRetriesPerRequest: null });
    try {
      const dryRun = opts.dryRun === true;
      const result = await runReconcileCommand(env, await buildAdapters(env, log, redis), redis, log, dryRun);
      printReconcile(result, { dryRun, json: opts.json === true }, process.stdout);
    } finally {
      await redis.quit();
    }
  });

program
  .command('validate-mapping')
  .description('check a mapping file; lists every problem with its path')
  .argument('<file>', 'YAML or JSON mapping file')
  .action(async (file: string) => {
    const text = await readFile(file, 'utf8').catch(() => null);
    if (text === null) {
      process.stderr.write(`${file}: cannot read the file\n`);
      process.exit(1);
    }
    const parsed = parseMappingText(text);
    if (parsed.ok) {
      process.stdout.write(`${file}: valid\n`);
      return;
    }
    process.stderr.write(
      `${file}: ${parsed.errors.length} problem(s)\n${parsed.errors.map((e) => `  - ${e}\n`).join('')}`,
    );
    process.exit(1);
  });

const mappingCommand = program.command('mapping').description('mapping file tools and saved mapping versions');
mappingCommand
  .command('schema')
  .description('print the JSON Schema of the mapping file (for editor completion)')
  .action(() => {
    process.stdout.write(mappingSchemaFileText());
  });
registerMappingCommands(mappingCommand, async () => {
  const env = envOrExit();
  await redisOrExit(env);
  const redis = connectRedis({ url: env.REDIS_URL, cluster: env.REDIS_CLUSTER });
  return {
    context: {
      store: createRedisMappingStore(redis, env.REDIS_PREFIX),
      deployment: deploymentOf(env),
      file: env.MAPPING_FILE,
      author: `cli:${userInfo().username}`,
      now: () => new Date(),
    },
    close: async () => {
      await redis.quit();
    },
  };
});

program
  .command('status')
  .description('queue counts, checkpoint and parked referrals')
  .action(async () => {
    const env = adminEnvOrExit();
    await redisOrExit(env);
    await showStatus(env, process.stdout);
  });

program
  .command('replay')
  .description('sync a parked referral again (after fixing the mapping or the data)')
  .argument('<referralId>')
  .action(async (referralId: string) => {
    const env = adminEnvOrExit();
    await redisOrExit(env);
    try {
      process.stdout.write(`${await replay(env, referralId)}\n`);
    } catch (err) {
      if (!(err instanceof UnknownReferralError)) throw err;
      process.stderr.write(`referral-sync replay: ${err.message}\n`);
      process.exitCode = 1;
    }
  });

program
  .command('dismiss')
  .description('take a parked referral off the parked list for good, saying why (it stays listed as dismissed)')
  .argument('<referralId>')
  .requiredOption('--reason <text>', 'why it needs no fix (recorded with your user name)')
  .action(async (referralId: string, opts: { reason: string }) => {
    if (opts.reason.trim() === '') {
      process.stderr.write('referral-sync dismiss: --reason must say why\n');
      process.exit(2);
    }
    const env = adminEnvOrExit();
    await redisOrExit(env);
    const who = `cli:${userInfo().username}`;
    if (await dismiss(env, referralId, { who, why: opts.reason.trim() })) {
      process.stdout.write(`dismissed ${referralId} (${who})\n`);
    } else {
      process.stderr.write(`referral-sync dismiss: ${plainLine(referralId)} is not parked\n`);
      process.exitCode = 1;
    }
  });

program
  .command('dashboard')
  .description('serve the dashboard, /healthz, /readyz and /metrics alone (no worker)')
  .action(async () => {
    const env = envOrExit();
    await redisOrExit(env);
    const log = createLogger({ level: env.LOG_LEVEL });
    const mapping = await loadMappingFor(env);
    const expiry = expiryOptionsFor(env, mapping, false);
    const server = await startStandaloneDashboard({
      redisUrl: env.REDIS_URL,
      redisCluster: env.REDIS_CLUSTER,
      prefix: env.REDIS_PREFIX,
      log,
      settings: {
        atRisk: { levels: expiry.levels, timeZone: expiry.timeZone, isContactMe: expiry.isContactMe },
        attempts: env.SYNC_ATTEMPTS,
      },
      http: {
        ...httpOptionsOrThrow(env),
        publicMetrics: env.DASHBOARD_PUBLIC_METRICS === 'on',
        reportMetricsOwners: env.REPORT_METRICS_OWNERS,
      },
      studio: { deployment: deploymentOf(env), file: env.MAPPING_FILE },
    });
    process.stdout.write(`dashboard: ${server.url}\n`);
    const stop = () => void server.close().then(() => process.exit(0));
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });

program
  .command('demo')
  .description(
    'run the worker and dashboard against built-in Partner Center and Salesforce simulators (needs only Redis)',
  )
  .option('--port <port>', 'dashboard port', '3000')
  .action(async (opts: { port: string }) => {
    // Checked before anything starts (#15): `--port abc` used to start workers, then fail on NaN.
    const port = /^\d{1,5}$/.test(opts.port) ? Number(opts.port) : Number.NaN;
    if (!(port >= 0 && port <= 65535)) {
      process.stderr.write(
        `referral-sync demo: --port takes a port number from 0 to 65535, not '${opts.port.slice(0, 20)}'\n`,
      );
      process.exit(2);
    }
    // Loaded lazily: the demo uses the test fakes, which production images leave out.
    const { runDemo } = await import('./demo.ts');
    try {
      await runDemo({ port, ...(process.env.REDIS_URL ? { redisUrl: process.env.REDIS_URL } : {}) });
    } catch (err) {
      process.stderr.write(`referral-sync demo: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(3);
    }
  });

program
  .command('doctor')
  .description(
    'check Redis (noeviction, AOF), the Partner Center sign-in, CRM sign-in and configured fields, and the mapping',
  )
  .action(async () => {
    const env = envOrExit();
    const report = await runDoctor(env, { progress: (t) => process.stderr.write(`${t}\n`) });
    process.stdout.write(formatDoctorReport(report));
    process.exitCode = report.failed ? 1 : 0;
  });

const webhook = program.command('webhook').description('Partner Center webhook registration');
webhook
  .command('show')
  .description('show the current registration')
  .action(() => withWebhookApi((api) => showWebhookRegistration(api, process.stdout)));
webhook
  .command('register')
  .description('register this worker for referral events; refuses to replace another URL without --force')
  .requiredOption('--url <url>', 'public https URL of POST /webhooks/partner-center')
  .option(
    '--events <list>',
    'comma-separated events',
    'referral-created,referral-updated,related-referral-created,related-referral-updated',
  )
  .option('--force', 'replace an existing registration for another URL')
  .action((opts: { url: string; events: string; force?: boolean }) =>
    withWebhookApi(async (api) => {
      const events = opts.events
        .split(',')
        .map((e) => e.trim())
        .filter((e) => e !== '');
      process.exitCode = await runWebhookRegister(
        api,
        { url: opts.url, events, force: opts.force === true },
        process.stdout,
      );
    }),
  );

/** The registration API with its own Redis connection (the sign-in may live there), closed after. */
async function withWebhookApi(
  fn: (api: ReturnType<typeof webhookRegistrationApiFromEnv>) => Promise<void>,
): Promise<void> {
  const env = envOrExit();
  await redisOrExit(env);
  const redis = connectRedis({ url: env.REDIS_URL, cluster: env.REDIS_CLUSTER });
  try {
    await fn(
      webhookRegistrationApiFromEnv(env, redis, {
        baseUrl: env.PARTNER_CENTER_WEBHOOK_API_URL,
        scope: env.PARTNER_CENTER_WEBHOOK_SCOPE,
      }),
    );
  } finally {
    await redis.quit();
  }
}

program
  .command('history')
  .description("a referral's audit trail: every decision pushed, refused, held or in conflict")
  .argument('<referralId>')
  .action(async (referralId: string) => {
    const env = adminEnvOrExit();
    await redisOrExit(env);
    process.stdout.write(`${await history(env, referralId)}\n`);
  });

program
  .command('at-risk')
  .description('referrals waiting for an answer, soonest deadline first')
  .option('--within <hours>', 'only those with at most this many hours left')
  .option('--json', 'machine-readable output')
  .action(async (opts: { within?: string; json?: boolean }) => {
    const within = opts.within === undefined ? undefined : Number(opts.within);
    if (within !== undefined && !(within >= 0)) {
      process.stderr.write('referral-sync at-risk: --within takes a number of hours, e.g. --within 24\n');
      process.exit(2);
    }
    const env = adminEnvOrExit();
    await redisOrExit(env);
    // The mapping file only for its at-risk levels and contact-me rules: no CRM section is needed.
    const rows = await atRisk(env, atRiskOptionsFor(env, await loadMappingFile(env.MAPPING_FILE)), within);
    if (opts.json) {
      process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      return;
    }
    if (rows.length === 0) process.stdout.write('No referral is waiting for an answer.\n');
    for (const r of rows) {
      const flag = r.contactMe ? ' [customer asked to be contacted]' : '';
      process.stdout.write(
        `${r.timeLeftText.padStart(12)}  ${r.deadlineText}  ${r.referralId}  ${r.dealName}${r.level ? ` (${r.level})` : ''}${flag}\n`,
      );
    }
  });

program
  .command('report')
  .description('response times per owner and overall: received, answered, median/p90, within 72 h, expired')
  .option('--since <date>', 'referrals received from this date (2026-03-01) or ISO date-time')
  .option('--days <n>', 'referrals received in the last n days (default 30)')
  .option('--until <date>', 'received before this date (default now)')
  .option('--csv', 'CSV, one row per owner, the overall row first')
  .option('--json', 'machine-readable output')
  .action(async (opts: { since?: string; days?: string; until?: string; csv?: boolean; json?: boolean }) => {
    const { runReportCommand } = await import('./report-cli.ts');
    process.exitCode = await runReportCommand(opts);
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  process.stderr.write(`referral-sync: ${scrubText(message)}\n`);
  process.exit(1);
});
