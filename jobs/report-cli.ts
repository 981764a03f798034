import { connectRedis } from '../connectors/redis/connection.ts';
import { systemClock } from '../src/ports/clock.ts';
import { parsePeriod, reportCsv, reportJson, reportText } from '../src/report/format.ts';
import { isContactMeRequest } from '../src/mapping/contact-me.ts';
import { adminEnvOrExit } from './env-or-exit.ts';
import { loadMappingFile } from './mapping-file.ts';
import { checkRedis } from './redis-check.ts';
import { buildResponseReport } from './report-command.ts';

export interface ReportFlags {
  since?: string | undefined;
  days?: string | undefined;
  until?: string | undefined;
  csv?: boolean | undefined;
  json?: boolean | undefined;
}

/**
 * `referral-sync report`: reads Redis only (and the mapping file, for which referrals are
 * contact-me requests). Returns the exit code: 2 for bad flags, 3 when Redis cannot be reached.
 */
export async function runReportCommand(flags: ReportFlags): Promise<number> {
  if (flags.csv && flags.json) {
    process.stderr.write('referral-sync report: give --csv or --json, not both\n');
    return 2;
  }
  const period = parsePeriod(flags, systemClock.now());
  if (!period.ok) {
    process.stderr.write(`referral-sync report: ${period.error}\n`);
    return 2;
  }
  // Redis and the mapping file only: no CRM or Partner Center credentials (issue 18).
  const env = adminEnvOrExit();
  const check = await checkRedis(env.REDIS_URL, undefined, env.REDIS_CLUSTER);
  if (!check.ok) {
    process.stderr.write(`referral-sync: ${check.message}\n`);
    return 3;
  }
  const mapping = await loadMappingFile(env.MAPPING_FILE);
  const redis = connectRedis({ url: env.REDIS_URL, cluster: env.REDIS_CLUSTER });
  try {
    const report = await buildResponseReport(
      {
        redis,
        prefix: env.REDIS_PREFIX,
        isContactMe: (r) => isContactMeRequest(mapping, r),
        clock: systemClock,
      },
      period.period,
    );
    process.stdout.write(flags.csv ? reportCsv(report) : flags.json ? reportJson(report) : reportText(report));
    return 0;
  } finally {
    await redis.quit();
  }
}
