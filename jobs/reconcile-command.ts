import type { Writable } from 'node:stream';
import type { Logger } from 'pino';
import type { RedisConnection } from '../connectors/redis/connection.ts';
import { createRedisOutboundStore } from '../connectors/redis/outbound-store.ts';
import { createRedisParkingLot } from '../connectors/redis/parking-lot.ts';
import { createRedisReferralStore } from '../connectors/redis/referral-store.ts';
import { createRedisSyncStateStore } from '../connectors/redis/sync-state-store.ts';
import type { Env } from '../src/config/env.ts';
import { systemClock } from '../src/ports/clock.ts';
import { DRIFT_KINDS } from '../src/sync/reconcile.ts';
import type { Adapters } from './compose.ts';
import { createReconciler, reconcileCrmOf, type ReconcileResult } from './reconcile.ts';

/**
 * `referral-sync reconcile`: one sweep from the command line. No workers start here: the running
 * worker (`start`) picks up the repair jobs; `--dry-run` queues and stores nothing.
 */
export async function runReconcileCommand(
  env: Env,
  adapters: Adapters,
  redis: RedisConnection,
  log: Logger,
  dryRun: boolean,
): Promise<ReconcileResult> {
  const reconciler = createReconciler({
    connection: redis,
    prefix: env.REDIS_PREFIX,
    partnerCenter: adapters.partnerCenter,
    crms: adapters.crms.flatMap((c) => reconcileCrmOf(c.connector, c.outbound?.crm)),
    referrals: createRedisReferralStore(redis, env.REDIS_PREFIX),
    state: createRedisSyncStateStore(redis, env.REDIS_PREFIX),
    outbound: createRedisOutboundStore(redis, env.REDIS_PREFIX),
    parking: createRedisParkingLot(redis, env.REDIS_PREFIX),
    clock: systemClock,
    log,
    pageSize: env.PARTNER_CENTER_PAGE_SIZE,
    attempts: env.SYNC_ATTEMPTS,
  });
  try {
    return await reconciler.run({ dryRun });
  } finally {
    await reconciler.close();
  }
}

/** What `reconcile` prints: JSON with --json, else the table. */
export function printReconcile(r: ReconcileResult, o: { dryRun: boolean; json: boolean }, out: Writable): void {
  if (o.json) out.write(`${JSON.stringify({ dryRun: o.dryRun, ...r }, null, 2)}\n`);
  else formatReconcile(r, o.dryRun, out);
}

/** The sweep for people: counts per kind, then one row per drift (ids only, no customer data). */
function formatReconcile(r: ReconcileResult, dryRun: boolean, out: Writable): void {
  const { report, drifts } = r;
  out.write(
    `${dryRun ? 'dry run: nothing queued. ' : ''}referrals ${report.referrals}, opportunities ${report.opportunities}\n\n`,
  );
  const width = Math.max(...DRIFT_KINDS.map((k) => k.length));
  for (const k of DRIFT_KINDS) out.write(`${k.padEnd(width)}  ${report.counts[k]}\n`);
  if (!dryRun) out.write(`\nqueued ${report.queued}, parked (left for replay) ${report.parked}\n`);
  if (drifts.length === 0) {
    out.write('\nNo drift.\n');
    return;
  }
  const rows = drifts.map((d) => [
    d.kind,
    d.referralId,
    d.crm ?? '-',
    d.crmId ?? '-',
    d.action.job === 'none' ? 'none (reported)' : `${d.action.job} job`,
  ]);
  const head = ['KIND', 'REFERRAL', 'CRM', 'CRM ID', 'REPAIR'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) =>
    `${cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd()}\n`;
  out.write(`\n${line(head)}`);
  for (const row of rows) out.write(line(row));
}
