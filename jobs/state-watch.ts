import type { Logger } from 'pino';
import type { Clock } from '../src/ports/clock.ts';
import type { StateEpoch, StateLoss } from '../connectors/redis/state-epoch.ts';

/** How often a worker checks that Redis still holds the deployment's state (the epoch marker). */
const STATE_CHECK_INTERVAL_MS = 10_000;

export interface StateWatchOptions {
  epoch: StateEpoch;
  clock: Clock;
  log: Logger;
  intervalMs?: number | undefined;
  /**
   * Runs once per loss this process notices: re-register schedules, queue a full pull. `first`:
   * this process wrote the new marker (one per loss across workers: it sends the notice).
   */
  onLoss(loss: StateLoss, first: boolean): Promise<void>;
}

/**
 * Issue 12: a running worker notices Redis losing its data within one interval. Several workers
 * may notice the same loss; the first to write a new marker sets the epoch, the others adopt it.
 * Each runs `onLoss` (its effects are idempotent: fixed scheduler ids, a pull job id per epoch).
 */
export async function startStateWatch(o: StateWatchOptions) {
  const first = await o.epoch.ensure(o.clock.now());
  let known = first.epoch;
  if (first.status === 'created') {
    o.log.warn(
      'no deployment state in Redis (first start, or Redis lost its data while no worker ran): everything is pulled and compared with the CRM',
    );
  }
  let running: Promise<boolean> | null = null;

  const check = async (): Promise<boolean> => {
    const now = o.clock.now();
    let current = await o.epoch.current();
    if (current === known) return false;
    let first = false;
    if (current === null) {
      const made = await o.epoch.ensure(now);
      current = made.epoch;
      first = made.status === 'created';
    }
    known = current;
    const loss = await o.epoch.recordLoss(current, now);
    o.log.error(
      { detectedAt: loss.detectedAt, losses: loss.count },
      'Redis lost its data (queues, schedules, checkpoints, sync state): schedules registered again, a full pull queued; the sync compares with the CRM before writing',
    );
    await o.onLoss(loss, first);
    return true;
  };
  /** One check now (tests, and the timer); overlapping calls share one run. */
  const checkNow = (): Promise<boolean> => {
    running ??= check().finally(() => {
      running = null;
    });
    return running;
  };
  const timer = setInterval(() => {
    checkNow().catch((err: unknown) => o.log.warn({ err }, 'state check failed; retried next interval'));
  }, o.intervalMs ?? STATE_CHECK_INTERVAL_MS);
  timer.unref();
  return {
    checkNow,
    stop: () => clearInterval(timer),
  };
}
