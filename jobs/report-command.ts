import type { RedisConnection } from '../connectors/redis/connection.ts';
import { loadReferralFacts } from '../connectors/redis/response-facts.ts';
import type { Referral } from '../src/domain/referral.ts';
import type { Clock } from '../src/ports/clock.ts';
import { responseTimeReport, type Period, type ResponseReport } from '../src/report/response-times.ts';

export interface ReportDeps {
  redis: RedisConnection;
  prefix: string;
  isContactMe(referral: Referral): boolean;
  clock: Clock;
}

/** The response-time report over referrals received in `period`, from what Redis holds. */
export async function buildResponseReport(d: ReportDeps, period: Period): Promise<ResponseReport> {
  const facts = await loadReferralFacts(d.redis, d.prefix, {
    from: Date.parse(period.from),
    to: Date.parse(period.to),
    isContactMe: d.isContactMe,
  });
  return responseTimeReport(facts, period, d.clock.now());
}
