import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { RedisConnection } from './connection.ts';
import { parseStored } from './json.ts';

/*
 * Issue 12: Redis restarted without its data loses queues, schedules, checkpoints and sync state,
 * and nothing used to notice. The deployment's state carries an epoch marker; a worker that finds
 * the marker gone (or replaced by another worker that found it gone first) knows the data went.
 * The loss record lives in Redis too (it is written after the loss, so it survives it), for
 * /readyz, the dashboard, metrics and `status`.
 */

export const StateLoss = z.object({
  /** When a worker noticed (ISO). */
  detectedAt: z.string(),
  /** Epoch the deployment runs under since. */
  epoch: z.string(),
  /** Set when a full pull started after the loss has finished: the rebuild is done. */
  recoveredAt: z.string().optional(),
  /** Losses seen over the deployment's life (as far as this record goes back). */
  count: z.number().int().nonnegative(),
});
export type StateLoss = z.infer<typeof StateLoss>;

const epochKey = (prefix: string) => `${prefix}:epoch`;
const lossKey = (prefix: string) => `${prefix}:state-loss`;

const newEpoch = (at: Date) => `${at.toISOString()}/${randomBytes(4).toString('hex')}`;

export interface StateEpoch {
  /**
   * Makes sure a marker exists. Returns 'created' when there was none (a first start, or a Redis
   * that lost its data while no worker ran: the two cannot be told apart from Redis alone),
   * 'present' otherwise. `epoch` is the marker in force after the call.
   */
  ensure(now: Date): Promise<{ status: 'created' | 'present'; epoch: string }>;
  /** The marker now, or null when it is gone. */
  current(): Promise<string | null>;
  /** The marker and whether a loss was ever recorded, in one round trip (the sync asks per job). */
  view(): Promise<{ epoch: string | null; lossSeen: boolean }>;
  /** Records a loss noticed at `now` under `epoch` (idempotent per epoch: several workers notice one loss). */
  recordLoss(epoch: string, now: Date): Promise<StateLoss>;
  /** Marks the loss recovered once a full pull that started after it has finished. */
  markRecovered(pullStartedAt: Date, now: Date): Promise<boolean>;
  loss(): Promise<StateLoss | null>;
}

export function createStateEpoch(redis: RedisConnection, prefix: string): StateEpoch {
  const read = async (): Promise<StateLoss | null> => {
    const raw = await redis.get(lossKey(prefix));
    if (raw === null) return null;
    const parsed = StateLoss.safeParse(parseStored(raw));
    return parsed.success ? parsed.data : null;
  };
  return {
    async ensure(now) {
      const fresh = newEpoch(now);
      const set = await redis.set(epochKey(prefix), fresh, 'NX');
      if (set === 'OK') return { status: 'created', epoch: fresh };
      return { status: 'present', epoch: (await redis.get(epochKey(prefix))) ?? fresh };
    },
    current: () => redis.get(epochKey(prefix)),
    async view() {
      const [epoch = null, loss = null] = await redis.mget(epochKey(prefix), lossKey(prefix));
      return { epoch, lossSeen: loss !== null };
    },
    async recordLoss(epoch, now) {
      const before = await read();
      if (before && before.epoch === epoch) return before;
      const record: StateLoss = { detectedAt: now.toISOString(), epoch, count: (before?.count ?? 0) + 1 };
      // Last writer wins between workers noticing the same loss: they write the same epoch.
      await redis.set(lossKey(prefix), JSON.stringify(record));
      return record;
    },
    async markRecovered(pullStartedAt, now) {
      const record = await read();
      if (!record || record.recoveredAt !== undefined || Date.parse(record.detectedAt) > pullStartedAt.getTime())
        return false;
      await redis.set(lossKey(prefix), JSON.stringify({ ...record, recoveredAt: now.toISOString() }));
      return true;
    },
    loss: read,
  };
}
