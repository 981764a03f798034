import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { buildWebhookPayload, WEBHOOK_FORMATS } from '../connectors/webhook/webhook-payload.ts';
import { fieldText, safeText } from '../jobs/http/render/html.ts';
import { renderOverview } from '../jobs/http/render/overview.ts';
import { renderTimeline } from '../jobs/http/render/timeline.ts';
import { toExpiryAlert } from '../src/expiry/alert.ts';
import { alertText, taskDescription } from '../src/expiry/messages.ts';
import { hideEmails } from '../src/text/display.ts';
import type { Referral } from '../src/domain/referral.ts';
import { scrubText } from '../src/log/logger.ts';

/*
 * Issue 14: a 1 MB referral field froze the process (quadratic regexes). Cost is compared, not
 * timed: 1000 runs on 1 KB against one run on 1 MB, the same number of characters. Linear code
 * costs about the same for both; quadratic code costs 1000 times more on the 1 MB run (and would
 * take hours). The bound is wide so a loaded machine does not make it flaky.
 */
const KB = 1024;
const MAX_RATIO = 40;

/** Repeats of each piece make the worst case of one pattern (a long run, many match starts). */
const HOSTILE_UNITS = ['a', 'a.', 'x@y', 'eyJ', '-----BEGIN RSA PRIVATE KEY-----\n', '+1 2', 'Bearer ', '\u00e9 '];

const fill = (unit: string, size: number): string => unit.repeat(Math.ceil(size / unit.length)).slice(0, size);

const referral = (text: string): Referral => ({
  id: 'r-1',
  eTag: '"1"',
  status: 'New',
  name: text,
  statusReason: text,
  expirationDateTime: '2025-03-17T00:00:00Z',
  customerProfile: { name: text },
});
const now = new Date('2025-03-16T00:05:00Z');
const job = {
  referralId: 'r-1',
  kind: 'warning' as const,
  level: '24h',
  deadline: '2025-03-17T00:00:00.000Z',
  firedAt: now.toISOString(),
};
const format = { timeZone: 'Europe/Berlin', linkTemplate: null };

/** Every path that renders or alerts on referral text or a stored reason. */
const PATHS: Record<string, (text: string) => unknown> = {
  scrubText: (t) => scrubText(t),
  hideEmails: (t) => hideEmails(t),
  safeText: (t) => safeText(t),
  fieldText: (t) => fieldText(t),
  'task text': (t) =>
    taskDescription('warning', 'r-1', alertText(referral(t), 'r-1', new Date(job.deadline), now, 'UTC'), null),
  ...Object.fromEntries(
    WEBHOOK_FORMATS.map((f) => [
      `${f} alert`,
      (t: string) => buildWebhookPayload(f, toExpiryAlert(job, referral(t), now, format)),
    ]),
  ),
  'overview page': (t) =>
    renderOverview(
      {
        counts: {},
        lag: { pullCheckpoint: null, pullLagSeconds: null, crmPoll: [] },
        credentials: [{ name: 'salesforce', ok: false, reason: t, checkedAt: null }],
        atRisk: [
          {
            ...alertText(referral(t), 'r-1', new Date(job.deadline), now, 'UTC'),
            referralId: 'r-1',
            deadline: now,
            timeLeftMs: 1,
            level: null,
            contactMe: false,
            contactBy: null,
          },
        ],
        parked: [{ referralId: 'r-1', stage: 'sync', reason: t, at: now.toISOString() }],
      },
      null,
    ),
  'timeline page': (t) =>
    renderTimeline({
      referralId: 'r-1',
      referral: referral(t),
      state: null,
      parked: { referralId: 'r-1', stage: 'sync', reason: t, at: now.toISOString() },
      expiry: { fired: [], closed: null },
      audit: [],
    }),
};

/** Best of three, so one pause of the machine does not count. */
function cost(run: () => void): number {
  let best = Infinity;
  for (let i = 0; i < 3; i += 1) {
    const start = performance.now();
    run();
    best = Math.min(best, performance.now() - start);
  }
  return best;
}

describe('1 MB text costs no more than proportionally (#14)', () => {
  for (const [name, path] of Object.entries(PATHS)) {
    it(`${name}: 1 MB costs about as much as 1000 × 1 KB`, () => {
      for (const unit of HOSTILE_UNITS) {
        const small = fill(unit, KB);
        const big = fill(unit, KB * KB);
        const smallCost = cost(() => {
          for (let i = 0; i < 1000; i += 1) path(small);
        });
        const bigCost = cost(() => path(big));
        expect(
          bigCost / Math.max(smallCost, 1),
          `unit ${JSON.stringify(unit)}: ${smallCost} ms vs ${bigCost} ms`,
        ).toBeLessThan(MAX_RATIO);
      }
    });
  }

  it('shows a long field clipped with a marker', () => {
    expect(fieldText('x'.repeat(KB * KB))).toMatch(/^x{300}… \[1048276 more characters\]$/);
  });
});
