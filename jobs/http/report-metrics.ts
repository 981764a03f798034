import { Gauge } from 'prom-client';
import { loadReferralFacts } from '../../connectors/redis/response-facts.ts';
import { OVERALL, UNKNOWN_OWNER } from '../../src/report/format.ts';
import { responseTimeReport, type ReferralFacts, type ResponseFigures } from '../../src/report/response-times.ts';
import type { Metrics } from './metrics.ts';
import { cached } from './pipeline.ts';
import type { DashboardSource } from './source.ts';

/*
 * The response-time report as Prometheus gauges (issue 18), over referrals received in the last
 * REPORT_DAYS days, computed at most once a minute whatever the scrape interval (it reads every
 * stored referral). Owner labels are bounded: the `owners` owners with the most referrals are
 * labelled by their email as the report shows it, all others are summed as owner="(other)", and
 * owner="(all)" is the overall figure. Emails rather than hashes, because a label nobody can read
 * is no help on a sales dashboard; REPORT_METRICS_OWNERS=0 leaves only "(all)".
 */

export const REPORT_DAYS = 30;
const OTHER = '(other)';
const attached = new WeakSet<object>();

/** Facts relabelled so that at most `owners` distinct owners remain; the rest become "(other)". */
export function capOwners(facts: readonly ReferralFacts[], owners: number): ReferralFacts[] {
  const counts = new Map<string, number>();
  for (const f of facts) {
    const name = f.owner ?? UNKNOWN_OWNER;
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  const kept = new Set(
    [...counts.entries()]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .slice(0, owners)
      .map(([name]) => name),
  );
  return facts.map((f) => ({ ...f, owner: kept.has(f.owner ?? UNKNOWN_OWNER) ? (f.owner ?? UNKNOWN_OWNER) : OTHER }));
}

export function attachReportMetrics(
  metrics: Metrics,
  source: Pick<DashboardSource, 'redis' | 'prefix' | 'clock' | 'atRisk'>,
  o: { owners: number },
): void {
  if (attached.has(metrics.registry)) return;
  attached.add(metrics.registry);
  const read = cached(60_000, async () => {
    const now = source.clock.now();
    const period = { from: new Date(now.getTime() - REPORT_DAYS * 86_400_000).toISOString(), to: now.toISOString() };
    const facts = await loadReferralFacts(source.redis, source.prefix, {
      from: Date.parse(period.from),
      to: Date.parse(period.to),
      isContactMe: source.atRisk.isContactMe,
    });
    const report = responseTimeReport(capOwners(facts, o.owners), period, now);
    return [
      { owner: OVERALL, figures: report.overall },
      ...(o.owners > 0 ? report.owners.map((x) => ({ owner: x.owner ?? UNKNOWN_OWNER, figures: x.figures })) : []),
    ];
  });
  const registers = [metrics.registry];
  const gauge = (
    name: string,
    help: string,
    value: (f: ResponseFigures) => number | null,
    extra: { labelNames?: string[]; set?: (g: Gauge, owner: string, f: ResponseFigures) => void } = {},
  ) =>
    new Gauge({
      name,
      help,
      labelNames: ['owner', ...(extra.labelNames ?? [])],
      registers,
      async collect() {
        this.reset();
        try {
          for (const { owner, figures } of await read()) {
            if (extra.set) extra.set(this, owner, figures);
            else {
              const v = value(figures);
              if (v !== null) this.set({ owner }, v);
            }
          }
        } catch {
          this.reset();
        }
      },
    });
  const days = `received in the last ${REPORT_DAYS} days`;
  gauge('referral_sync_response_received', `Referrals ${days}.`, (f) => f.received);
  gauge('referral_sync_response_answered', `Referrals ${days} that were accepted or declined.`, (f) => f.answered);
  gauge('referral_sync_response_time_seconds', `Time to answer, referrals ${days}.`, () => null, {
    labelNames: ['quantile'],
    set: (g, owner, f) => {
      if (f.medianMs !== null) g.set({ owner, quantile: '0.5' }, f.medianMs / 1000);
      if (f.p90Ms !== null) g.set({ owner, quantile: '0.9' }, f.p90Ms / 1000);
    },
  });
  gauge(
    'referral_sync_response_within_72h_ratio',
    `Share answered within 72 h, referrals ${days}.`,
    (f) => f.within72hShare,
  );
  gauge(
    'referral_sync_response_before_deadline_ratio',
    `Share answered before the deadline, referrals ${days}.`,
    (f) => f.beforeDeadlineShare,
  );
  gauge(
    'referral_sync_response_expired_unanswered',
    `Referrals ${days} that expired unanswered.`,
    (f) => f.expiredUnanswered,
  );
  gauge(
    'referral_sync_response_contact_me_within_72h_ratio',
    `Share of contact-me leads answered within 72 h, referrals ${days}.`,
    (f) => f.contactMe.share,
  );
  gauge(
    'referral_sync_response_expired_deal_value',
    `Deal value of the expired unanswered referrals ${days}, per currency.`,
    () => null,
    {
      labelNames: ['currency'],
      set: (g, owner, f) => {
        // Per currency for the overall row only: owner x currency would multiply the series.
        if (owner !== OVERALL) return;
        for (const [currency, v] of Object.entries(f.expiredDealValue)) g.set({ owner, currency }, v);
      },
    },
  );
}
