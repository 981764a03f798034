import type { Period, ResponseFigures, ResponseReport } from './response-times.ts';

/*
 * The response-time report as text, CSV and JSON (`referral-sync report`). Times are in hours
 * with one decimal, shares in percent; an empty figure prints as "-" (text) or empty (CSV).
 */

const DAY_MS = 86_400_000;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The period from --since / --days / --until: --since a date (UTC midnight) or date-time, else
 * the last --days days (30 by default); up to --until or now. Errors name the flag.
 */
export function parsePeriod(
  o: { since?: string | undefined; days?: string | undefined; until?: string | undefined },
  now: Date,
): { ok: true; period: Period } | { ok: false; error: string } {
  const when = (flag: string, s: string): number | string => {
    const t = Date.parse(DATE.test(s) ? `${s}T00:00:00Z` : s);
    return Number.isNaN(t) ? `${flag} takes a date (2026-03-01) or an ISO date-time` : t;
  };
  if (o.since !== undefined && o.days !== undefined) return { ok: false, error: 'give --since or --days, not both' };
  const to = o.until === undefined ? now.getTime() : when('--until', o.until);
  if (typeof to === 'string') return { ok: false, error: to };
  let from: number;
  if (o.since !== undefined) {
    const t = when('--since', o.since);
    if (typeof t === 'string') return { ok: false, error: t };
    from = t;
  } else {
    const days = o.days === undefined ? 30 : Number(o.days);
    if (!Number.isInteger(days) || days <= 0 || days > 3660)
      return { ok: false, error: '--days takes a whole number of days, e.g. --days 30' };
    from = to - days * DAY_MS;
  }
  if (from >= to) return { ok: false, error: 'the period is empty: --since must be before --until' };
  return { ok: true, period: { from: new Date(from).toISOString(), to: new Date(to).toISOString() } };
}

const hours = (ms: number | null): number | null => (ms === null ? null : Math.round(ms / 360_000) / 10);
const percent = (x: number | null): number | null => (x === null ? null : Math.round(x * 1000) / 10);
const money = (v: Record<string, number>): string =>
  Object.entries(v)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([c, n]) => `${Math.round(n * 100) / 100} ${c}`)
    .join('; ');

export const OVERALL = '(all)';
export const UNKNOWN_OWNER = '(unknown)';
const ownerName = (owner: string | null) => owner ?? UNKNOWN_OWNER;

/** One row per owner and the overall row first, as plain values (CSV, JSON, the dashboard table). */
export function reportRows(r: ResponseReport) {
  const row = (owner: string, f: ResponseFigures) => ({
    owner,
    received: f.received,
    answered: f.answered,
    accepted: f.accepted,
    declined: f.declined,
    medianHours: hours(f.medianMs),
    p90Hours: hours(f.p90Ms),
    within72hPercent: percent(f.within72hShare),
    beforeDeadlinePercent: percent(f.beforeDeadlineShare),
    expiredUnanswered: f.expiredUnanswered,
    expiredDealValue: money(f.expiredDealValue),
    contactMeReceived: f.contactMe.received,
    contactMeWithin72hPercent: percent(f.contactMe.share),
  });
  return [row(OVERALL, r.overall), ...r.owners.map((o) => row(ownerName(o.owner), o.figures))];
}
export type ReportRow = ReturnType<typeof reportRows>[number];

const csvCell = (v: string | number | null): string => {
  if (v === null) return '';
  const s = String(v);
  // A leading = + - @ would run as a formula in a spreadsheet: quote it as text.
  const safe = /^[=+\-@\t\r]/.test(s) && typeof v === 'string' ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
};

export function reportCsv(r: ResponseReport): string {
  const rows = reportRows(r);
  const head = Object.keys(rows[0] ?? {});
  return [head.join(','), ...rows.map((x) => Object.values(x).map(csvCell).join(','))].join('\n') + '\n';
}

export function reportJson(r: ResponseReport): string {
  return `${JSON.stringify({ period: r.period, generatedAt: r.generatedAt, rows: reportRows(r), report: r }, null, 2)}\n`;
}

export function reportText(r: ResponseReport): string {
  const rows = reportRows(r);
  const cols: [string, (x: ReportRow) => string | number | null][] = [
    ['owner', (x) => x.owner],
    ['received', (x) => x.received],
    ['answered', (x) => x.answered],
    ['median h', (x) => x.medianHours],
    ['p90 h', (x) => x.p90Hours],
    ['<72h %', (x) => x.within72hPercent],
    ['in time %', (x) => x.beforeDeadlinePercent],
    ['expired', (x) => x.expiredUnanswered],
    ['expired value', (x) => x.expiredDealValue],
    ['contact-me <72h %', (x) => x.contactMeWithin72hPercent],
  ];
  const cells = [cols.map(([h]) => h), ...rows.map((x) => cols.map(([, get]) => String(get(x) ?? '-') || '-'))];
  const widths = cols.map((_, i) => Math.max(...cells.map((c) => (c[i] ?? '').length)));
  const lines = cells.map((c) =>
    c
      .map((v, i) => (i === 0 ? v.padEnd(widths[i] ?? 0) : v.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
  return `Referrals received ${r.period.from} to ${r.period.to}\n\n${lines.join('\n')}\n`;
}
