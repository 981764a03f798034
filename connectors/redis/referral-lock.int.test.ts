import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createReferralLock } from './referral-lock.ts';

const redis = new Redis(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
const prefix = `lock-${randomBytes(4).toString('hex')}`;
afterAll(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
});

describe('referral lock', () => {
  it('lets one holder in at a time and frees the referral afterwards', async () => {
    const lock = createReferralLock(redis, prefix, 1000);
    let inner: unknown;
    const outer = await lock.tryWith('r1', async () => {
      inner = await lock.tryWith('r1', async () => 'second');
      return 'first';
    });
    expect(outer).toEqual({ ran: true, value: 'first' });
    expect(inner).toEqual({ ran: false });
    expect(await lock.tryWith('r1', async () => 'again')).toEqual({ ran: true, value: 'again' });
  });

  it('keeps the lease while the holder works longer than the lease', async () => {
    const lock = createReferralLock(redis, prefix, 300);
    let contender: unknown;
    await lock.tryWith('r2', async () => {
      await new Promise((r) => setTimeout(r, 900));
      contender = await lock.tryWith('r2', async () => 'stolen');
    });
    expect(contender).toEqual({ ran: false });
  });

  it('frees a referral whose holder died (lease runs out)', async () => {
    await redis.set(`${prefix}:lock:r3`, 'dead-worker', 'PX', 200);
    const lock = createReferralLock(redis, prefix, 200);
    expect(await lock.tryWith('r3', async () => 1)).toEqual({ ran: false });
    await new Promise((r) => setTimeout(r, 300));
    expect(await lock.tryWith('r3', async () => 1)).toEqual({ ran: true, value: 1 });
  });
});
