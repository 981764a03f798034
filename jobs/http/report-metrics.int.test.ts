import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testRedis, type TestRedis } from '../../test/redis/expiry-test-redis.ts';
import { createRedisReferralStore } from '../../connectors/redis/referral-store.ts';
import { makeReferral } from '../../test/fakes/partner-center/fixtures.ts';
import { createMetrics } from './metrics.ts';
import { attachReportMetrics } from './report-metrics.ts';

/* Issue 18: the response-time figures on /metrics, with owner labels capped. */
let r: TestRedis;
beforeEach(() => {
  r = testRedis();
});
afterEach(() => r.cleanup());

const H = 3_600_000;
const now = new Date();
const created = new Date(now.getTime() - 5 * 24 * H).toISOString();
const accepted = (hours: number) => new Date(Date.parse(created) + hours * H).toISOString();
const owned = (email: string, hours: number) =>
  makeReferral({
    status: 'Active',
    substatus: 'Accepted',
    createdDateTime: created,
    acceptedDateTime: accepted(hours),
    team: [{ id: 'm', firstName: 'S', lastName: 'P', email, phoneNumber: null }],
  });

async function scrape(owners: number): Promise<string> {
  await createRedisReferralStore(r.redis, r.prefix).putMany([
    owned('bob@partner.example', 2),
    owned('bob@partner.example', 4),
    owned('ann@partner.example', 10),
  ]);
  const metrics = createMetrics();
  attachReportMetrics(
    metrics,
    {
      redis: r.redis,
      prefix: r.prefix,
      clock: { now: () => now },
      atRisk: { levels: [], timeZone: 'UTC', isContactMe: () => false },
    },
    { owners },
  );
  return metrics.registry.metrics();
}

describe('response-time metrics', () => {
  it('labels the owners with the most referrals and sums the rest as (other)', async () => {
    const text = await scrape(1);
    expect(text).toContain('referral_sync_response_received{owner="(all)"} 3');
    expect(text).toContain('referral_sync_response_received{owner="bob@partner.example"} 2');
    expect(text).toContain('referral_sync_response_received{owner="(other)"} 1');
    expect(text).not.toContain('ann@partner.example');
    expect(text).toContain('referral_sync_response_time_seconds{owner="bob@partner.example",quantile="0.5"} 10800');
  });

  it('REPORT_METRICS_OWNERS=0 leaves only the overall series', async () => {
    const text = await scrape(0);
    expect(text.match(/^referral_sync_response_received\{.*$/gm)).toEqual([
      'referral_sync_response_received{owner="(all)"} 3',
    ]);
  });
});
