import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import type { ReferralSyncState } from '../../src/ports/state.ts';
import { REDIS_URL } from '../../test/integration/harness.ts';
import { createRedisSyncStateStore } from './sync-state-store.ts';

// The test Redis (TEST_REDIS_URL, loopback by default); a fresh prefix per run, deleted afterwards.
const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
const prefix = `test-state-${randomUUID()}`;
const store = createRedisSyncStateStore(redis, prefix);

afterAll(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

const fieldHashes = Object.fromEntries(
  ['Name', 'StageName', 'CloseDate', 'Amount', 'Description', 'LeadSource', 'NextStep', 'Probability', '@account'].map(
    (f, i) => [f, `h${i}xk2j9q0a1`],
  ),
);
const state: ReferralSyncState = {
  eTag: '"e-1"',
  draftHash: 'abc123def456ghi789',
  fieldHashes,
  crm: 'salesforce',
  crmId: '006000000000001AAA',
  writtenBack: true,
  syncedAt: '2026-12-06T01:00:00.000Z',
};

describe('Redis SyncStateStore', () => {
  it('reads back what it wrote, field hashes included', async () => {
    await store.put('r-1', state);
    expect(await store.get('r-1')).toEqual({ ...state, pendingOutcome: undefined });
  });

  it("keeps a referral's state in Redis's compact hash encoding (#19)", async () => {
    await store.put('r-2', state);
    expect(await redis.object('ENCODING', `${prefix}:state:r-2`)).toBe('listpack');
  });

  it('still reads field hashes an older version stored as one JSON value', async () => {
    await redis.hset(`${prefix}:state:r-3`, {
      eTag: '"e-1"',
      draftHash: 'x',
      fieldHashes: JSON.stringify({ Name: 'h1' }),
      crm: 'salesforce',
      crmId: '006A',
      writtenBack: '1',
      syncedAt: '',
    });
    expect((await store.get('r-3'))?.fieldHashes).toEqual({ Name: 'h1' });
  });
});
