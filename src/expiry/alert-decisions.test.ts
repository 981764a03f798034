import { describe, expect, it } from 'vitest';
import type { AlertJobState } from '../ports/alert-queue.ts';
import { appliedAlerts, crmMayGo, webhookAction } from './alert-decisions.ts';
import { toLevels } from './levels.ts';

const T = new Date('2025-03-14T00:00:00Z');
const min = (m: number) => new Date(T.getTime() + m * 60_000);
const GRACE = 10 * 60_000;

describe('crmMayGo: the CRM effect follows the webhook post, or the grace period (#20)', () => {
  const rows: [string, Parameters<typeof crmMayGo>[0], boolean][] = [
    [
      'no webhook configured',
      { needsWebhook: false, webhookSettled: false, enqueuedAt: undefined, now: T, graceMs: GRACE },
      true,
    ],
    ['post confirmed', { needsWebhook: true, webhookSettled: true, enqueuedAt: T, now: T, graceMs: GRACE }, true],
    [
      'not queued yet',
      { needsWebhook: true, webhookSettled: false, enqueuedAt: undefined, now: min(60), graceMs: GRACE },
      false,
    ],
    [
      'queued 9 min ago, not posted',
      { needsWebhook: true, webhookSettled: false, enqueuedAt: T, now: min(9), graceMs: GRACE },
      false,
    ],
    [
      'queued 10 min ago, not posted',
      { needsWebhook: true, webhookSettled: false, enqueuedAt: T, now: min(10), graceMs: GRACE },
      true,
    ],
  ];
  it.each(rows)('%s', (_name, input, expected) => {
    expect(crmMayGo(input)).toBe(expected);
  });
});

describe('webhookAction: an unposted alert whose job is gone or failed is queued again (#12)', () => {
  const rows: [AlertJobState, ReturnType<typeof webhookAction>][] = [
    [{ state: 'pending' }, { do: 'wait' }],
    [{ state: 'missing' }, { do: 'add' }],
    [{ state: 'failed' }, { do: 'retry' }],
    [
      { state: 'completed', result: 'posted' },
      { do: 'record', effect: 'webhook-posted' },
    ],
    [
      { state: 'completed', result: 'already-posted' },
      { do: 'record', effect: 'webhook-posted' },
    ],
    [
      { state: 'completed', result: 'stale' },
      { do: 'record', effect: 'webhook-dropped' },
    ],
  ];
  it.each(rows)('%o → %o', (job, expected) => {
    expect(webhookAction(job)).toEqual(expected);
  });
});

describe('appliedAlerts: what the CRM shows as applied (#20)', () => {
  const levels = toLevels([72, 24, 4]);
  const asked = ['contact-me', '72h', '24h', '4h'];
  const rows: [string, { level: string | null; tasks: string[] }, string[]][] = [
    ['nothing', { level: null, tasks: [] }, []],
    ['tasks only', { level: null, tasks: ['72h', 'contact-me'] }, ['contact-me', '72h']],
    ['level field 24h implies 72h (levels reach the CRM in order)', { level: '24h', tasks: [] }, ['72h', '24h']],
    ['level field and tasks together', { level: '72h', tasks: ['contact-me'] }, ['contact-me', '72h']],
    ['a field value that is no configured level implies only itself', { level: '36h', tasks: [] }, []],
  ];
  it.each(rows)('%s', (_name, crm, expected) => {
    expect(appliedAlerts(levels, asked, { level: crm.level, tasks: new Set(crm.tasks) })).toEqual(expected);
  });
});
