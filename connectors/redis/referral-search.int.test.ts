import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeReferral } from '../../test/fakes/partner-center/fixtures.ts';
import { testRedis, type TestRedis } from '../../test/redis/expiry-test-redis.ts';
import { keys } from './keys.ts';
import { createRedisReferralStore } from './referral-store.ts';
import { searchByName } from './referral-search.ts';

const named = (deal: string, customer: string) => {
  const r = makeReferral({ name: deal });
  return { ...r, customerProfile: { ...r.customerProfile, name: customer } };
};

describe('search by deal and customer name (issue 18)', () => {
  let r: TestRedis;
  beforeEach(() => {
    r = testRedis();
  });
  afterEach(async () => {
    await r.cleanup();
  });

  const seed = async () => {
    const store = createRedisReferralStore(r.redis, r.prefix);
    const kestrel = named('Fleet telematics rollout', 'Kestrel Freight GmbH');
    const dental = named('Kestrel clinic scheduling', 'Lakeshore Dental');
    const bakery = named('Point of sale refresh', 'Harbor Bakery');
    await store.putMany([kestrel, dental, bakery]);
    return { store, kestrel, dental, bakery };
  };

  it('finds a referral by its customer name, whatever the case', async () => {
    const { kestrel } = await seed();
    expect(await searchByName(r.redis, r.prefix, 'kestrel FREIGHT')).toEqual([kestrel.id]);
  });

  it('matches deal names too, and every word must match', async () => {
    const { kestrel, dental } = await seed();
    expect((await searchByName(r.redis, r.prefix, 'kestrel')).sort()).toEqual([kestrel.id, dental.id].sort());
    expect(await searchByName(r.redis, r.prefix, 'kestrel clinic')).toEqual([dental.id]);
    expect(await searchByName(r.redis, r.prefix, 'kestrel bakery')).toEqual([]);
  });

  it('follows a renamed customer', async () => {
    const { store, bakery } = await seed();
    await store.putMany([{ ...bakery, customerProfile: { ...bakery.customerProfile, name: 'Harbor Patisserie' } }]);
    expect(await searchByName(r.redis, r.prefix, 'bakery')).toEqual([]);
    expect(await searchByName(r.redis, r.prefix, 'patisserie')).toEqual([bakery.id]);
  });

  it('indexes referrals stored before the index existed on the first search', async () => {
    const { bakery } = await seed();
    await r.redis.del(keys(r.prefix).referralNames);
    expect(await searchByName(r.redis, r.prefix, 'harbor')).toEqual([bakery.id]);
  });
});
