import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis, deletePrefix, type RedisConnection } from '../../connectors/redis/connection.ts';
import { createRedisOutboundStore } from '../../connectors/redis/outbound-store.ts';
import { createRedisReferralStore } from '../../connectors/redis/referral-store.ts';
import { makeReferral } from '../fakes/partner-center/fixtures.ts';
import { REDIS_URL } from './harness.ts';

/*
 * `referral-sync report` as an admin runs it (issue 18): a real process reading what a worker left
 * in Redis. Three referrals received in the last days: one accepted in the CRM and pushed 6 h
 * after it came in, one declined in Partner Center 100 h after, one that expired unanswered.
 */
const prefix = `it-report-${randomBytes(4).toString('hex')}`;
let redis: RedisConnection;
const H = 3_600_000;
const base = Date.now() - 10 * 24 * H;
const iso = (hours: number) => new Date(base + hours * H).toISOString();

beforeAll(async () => {
  redis = connectRedis({ url: REDIS_URL, cluster: false });
  const team = (email: string) => [{ id: 'm1', firstName: 'A', lastName: 'B', email, phoneNumber: null }];
  await createRedisReferralStore(redis, prefix).putMany([
    makeReferral({
      id: 'acc-1',
      status: 'Active',
      substatus: 'Accepted',
      createdDateTime: iso(0),
      team: team('Ann@Partner.example'),
    }),
    makeReferral({
      id: 'dec-1',
      status: 'Closed',
      substatus: 'Declined',
      createdDateTime: iso(0),
      updatedDateTime: iso(100),
      team: team('bob@partner.example'),
    }),
    makeReferral({
      id: 'exp-1',
      status: 'Closed',
      substatus: 'Expired',
      createdDateTime: iso(0),
      details: { dealValue: 25000, currency: 'EUR' },
      team: team('bob@partner.example'),
    }),
  ]);
  await createRedisOutboundStore(redis, prefix).audit({
    at: iso(6),
    referralId: 'acc-1',
    side: 'crm',
    action: 'accept',
    from: 'New/Pending',
    to: 'Active/Accepted',
    result: 'pushed',
  });
});
afterAll(async () => {
  await deletePrefix(redis, prefix);
  await redis.quit();
});

const env = {
  PATH: process.env.PATH ?? '',
  PARTNER_CENTER_CLIENT_ID: 'cli-test',
  TOKEN_CACHE_KEY: Buffer.alloc(32, 3).toString('base64'),
  SALESFORCE_CLIENT_ID: 'cli-test',
  SALESFORCE_USERNAME: 'sync@example.com',
  SALESFORCE_PRIVATE_KEY: 'not-a-real-key',
  REDIS_URL,
  REDIS_PREFIX: prefix,
};
const cli = (args: string[]) => {
  const r = spawnSync(process.execPath, ['bin/referral-sync.js', 'report', ...args], {
    env,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

describe('referral-sync report', () => {
  it('--csv prints the overall row and one row per owner', () => {
    const r = cli(['--days', '30', '--csv']);
    expect(r.err).toBe('');
    const lines = r.out.trim().split('\n');
    expect(lines[0]).toBe(
      'owner,received,answered,accepted,declined,medianHours,p90Hours,within72hPercent,beforeDeadlinePercent,expiredUnanswered,expiredDealValue,contactMeReceived,contactMeWithin72hPercent',
    );
    expect(lines[1]).toBe('(all),3,2,1,1,53,100,33.3,100,1,25000 EUR,0,');
    expect(lines.slice(2).sort()).toEqual([
      'ann@partner.example,1,1,1,0,6,6,100,100,0,,0,',
      'bob@partner.example,2,1,0,1,100,100,0,100,1,25000 EUR,0,',
    ]);
  });

  it('--json gives the figures per owner', () => {
    const r = cli(['--json']);
    expect(r.code).toBe(0);
    const body = JSON.parse(r.out) as { rows: { owner: string; received: number; medianHours: number | null }[] };
    expect(body.rows.find((x) => x.owner === 'ann@partner.example')).toMatchObject({ received: 1, medianHours: 6 });
  });

  it('an empty period reports zeros', () => {
    const r = cli(['--since', '2001-01-01', '--until', '2001-02-01', '--json']);
    expect(JSON.parse(r.out)).toMatchObject({ rows: [{ owner: '(all)', received: 0, medianHours: null }] });
  });

  it('refuses a bad flag with exit code 2 and names it', () => {
    const r = cli(['--days', 'soon']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('--days takes a whole number');
  });
});
