import { describe, expect, it } from 'vitest';
import { toExpiryAlert, type ExpiryAlertJob } from '../../src/expiry/alert.ts';
import type { Referral } from '../../src/domain/referral.ts';
import { buildWebhookPayload, WEBHOOK_FORMATS } from './webhook-payload.ts';

const referral: Referral = {
  id: '0b6f3c1e-4a52-4c7e-9d1a-1f2e3d4c5b6a',
  eTag: '"a1"',
  status: 'New',
  name: 'Teams Phone <120 users> & SBC',
  createdDateTime: '2025-03-03T09:14:00Z',
  expirationDateTime: '2025-03-17T00:00:00Z',
  customerProfile: {
    name: 'Bluefin Logistics GmbH',
    team: [{ firstName: 'Lena', lastName: 'Vogt', email: 'lena@bluefin.example', phoneNumber: '+49 40 1234567' }],
  },
  team: [{ firstName: 'Omar', lastName: 'Haddad', email: 'omar@northwind.example', phoneNumber: '+1 206 5550100' }],
  details: { notes: 'Call Lena on +49 40 1234567 or lena@bluefin.example' },
};

const job = (kind: ExpiryAlertJob['kind'], level: string, deadline = '2025-03-17T00:00:00.000Z'): ExpiryAlertJob => ({
  referralId: referral.id,
  kind,
  level,
  deadline,
  firedAt: '2025-03-16T00:05:00.000Z',
});

const format = { timeZone: 'Europe/Berlin', linkTemplate: 'https://crm.example/referrals/{referralId}' };
const now = new Date('2025-03-16T00:05:00Z');
const EMAIL = /[^\s"]+@[^\s"]+\.[a-z]{2,}/i;

describe('webhook payloads', () => {
  for (const fmt of WEBHOOK_FORMATS) {
    it(`${fmt}: 24h warning matches the snapshot and carries no contact details`, () => {
      const payload = buildWebhookPayload(fmt, toExpiryAlert(job('warning', '24h'), referral, now, format));
      expect(payload).toMatchSnapshot();
      const json = JSON.stringify(payload);
      expect(json).not.toMatch(EMAIL);
      expect(json).not.toMatch(/Lena|Vogt|Omar|1234567|5550100/);
      expect(json).toContain('17 Mar 2025, 01:00 CET');
      expect(json).toContain(referral.id);
      expect(json).toContain('Bluefin Logistics GmbH');
    });
  }

  it('slack: escapes mrkdwn control characters in user text', () => {
    const payload = buildWebhookPayload('slack', toExpiryAlert(job('warning', '24h'), referral, now, format));
    expect(JSON.stringify(payload)).toContain('Teams Phone &lt;120 users&gt; &amp; SBC');
  });

  it('hides an email address typed into the deal name', () => {
    const alert = toExpiryAlert(
      job('warning', '4h'),
      { ...referral, name: 'Follow up with lena@bluefin.example' },
      now,
      format,
    );
    for (const fmt of WEBHOOK_FORMATS) expect(JSON.stringify(buildWebhookPayload(fmt, alert))).not.toMatch(EMAIL);
  });

  it('teams: contact-me alert, no link configured', () => {
    const alert = toExpiryAlert(
      job('contact-me', 'contact-me', '2025-03-06T09:14:00.000Z'),
      referral,
      new Date('2025-03-03T10:00:00Z'),
      {
        timeZone: 'America/New_York',
        linkTemplate: null,
      },
    );
    expect(buildWebhookPayload('teams', alert)).toMatchSnapshot();
  });

  it("every format carries the alert's idempotency key, the same for each post of one (referral, level) (#12)", () => {
    const key = 'referral-sync-expiry:0b6f3c1e-4a52-4c7e-9d1a-1f2e3d4c5b6a:24h';
    const later = new Date('2025-03-16T03:00:00Z');
    for (const fmt of WEBHOOK_FORMATS) {
      const first = JSON.stringify(
        buildWebhookPayload(fmt, toExpiryAlert(job('warning', '24h'), referral, now, format)),
      );
      const retry = JSON.stringify(
        buildWebhookPayload(fmt, toExpiryAlert(job('warning', '24h'), referral, later, format)),
      );
      expect(first).toContain(key);
      expect(retry).toContain(key);
      expect(
        JSON.stringify(buildWebhookPayload(fmt, toExpiryAlert(job('warning', '4h'), referral, now, format))),
      ).not.toContain(key);
    }
  });

  it('teams: Markdown typed into a deal or customer name is shown as text, not as a link (#14)', () => {
    const typed = { ...referral, name: '[click](https://evil.example)', customerProfile: { name: '**Big** _Corp_' } };
    const json = JSON.stringify(buildWebhookPayload('teams', toExpiryAlert(job('warning', '24h'), typed, now, format)));
    expect(json).not.toContain('[click](');
    expect(json).toContain(String.raw`\\[click\\](https://evil.example)`);
    expect(json).toContain(String.raw`\\*\\*Big\\*\\* \\_Corp\\_`);
  });
});
