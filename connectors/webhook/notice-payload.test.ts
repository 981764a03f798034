import { describe, expect, it } from 'vitest';
import { stateLossNotice } from '../../src/health/ops-notice.ts';
import { buildNoticePayload } from './notice-payload.ts';
import { WEBHOOK_FORMATS } from './webhook-payload.ts';

/* The Redis data loss notice (issue 12) in every alert webhook format: the title and the key reach the receiver. */
const notice = stateLossNotice('2026-12-05T23:00:00.000Z/ab12cd34', '2026-12-05T23:00:01.000Z');

describe('ops notice payloads', () => {
  it.each(WEBHOOK_FORMATS)('%s carries the title and the idempotency key', (format) => {
    const body = JSON.stringify(buildNoticePayload(format, notice));
    expect(body).toContain('Redis lost its data');
    expect(body).toContain(notice.idempotencyKey);
  });

  it('the key is stable per loss and safe as a header value', () => {
    expect(stateLossNotice('e1', 'a').idempotencyKey).toBe(stateLossNotice('e1', 'b').idempotencyKey);
    expect(notice.idempotencyKey).toMatch(/^[\x21-\x7e]+$/);
  });

  it('json is typed apart from expiry alerts', () => {
    expect(buildNoticePayload('json', notice)).toMatchObject({
      type: 'referral-sync.ops-notice',
      version: 1,
      notice: { kind: 'state-loss' },
    });
  });
});
