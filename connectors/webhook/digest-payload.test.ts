import { describe, expect, it } from 'vitest';
import type { FailureDigest } from '../../src/alerts/failure-digest.ts';
import { buildDigestPayload } from './digest-payload.ts';
import { WEBHOOK_FORMATS } from './webhook-payload.ts';

const digest: FailureDigest = {
  id: 'referral-sync-failures-abc',
  at: '2026-03-10T12:00:00.000Z',
  sections: [
    {
      kind: 'parked',
      count: 3,
      items: [
        { kind: 'parked', key: 'r1@t', subject: 'r1', detail: 'stage crm', at: 't', path: '/referrals/r1' },
        { kind: 'parked', key: 'r2@t', subject: 'r2', detail: 'stage map, field [x](http://evil)', at: 't' },
      ],
    },
  ],
};
const links = { dashboardUrl: 'https://ops.example.com' };

describe('failure digest payloads', () => {
  it.each(WEBHOOK_FORMATS)('%s carries the ids, the count, the key and the dashboard link', (format) => {
    const body = JSON.stringify(buildDigestPayload(format, digest, links));
    for (const s of ['r1', 'r2', digest.id, 'https://ops.example.com']) expect(body).toContain(s);
    expect(body).toMatch(/3/);
  });

  it('json links each item to its page on the dashboard', () => {
    expect(buildDigestPayload('json', digest, links)).toMatchObject({
      type: 'referral-sync.failure-digest',
      idempotencyKey: digest.id,
      digest: {
        sections: [{ kind: 'parked', count: 3, items: [{ link: 'https://ops.example.com/referrals/r1' }, {}] }],
      },
    });
  });

  it('says how many more the dashboard has when the list is cut', () => {
    expect(JSON.stringify(buildDigestPayload('slack', digest, links))).toContain('and 1 more on the dashboard');
  });

  it('teams shows a markdown link in a detail as typed', () => {
    expect(JSON.stringify(buildDigestPayload('teams', digest, links))).toContain('\\\\[x\\\\](http://evil)');
  });

  it('leaves links out without DASHBOARD_PUBLIC_URL', () => {
    expect(JSON.stringify(buildDigestPayload('slack', digest, { dashboardUrl: null }))).not.toContain('Open dashboard');
  });
});
