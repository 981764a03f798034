import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { toLevels } from '../../src/expiry/levels.ts';
import { isContactMeRequest } from '../../src/mapping/contact-me.ts';
import { createWebhookPoster } from '../../connectors/webhook/webhook-poster.ts';
import { syncOnce } from '../../jobs/sync-once.ts';
import { makeReferral } from '../fakes/partner-center/fixtures.ts';
import { idle, startStack, type Stack } from './harness.ts';

/*
 * The expiry engine end to end: real runtime, real Redis, fake Partner Center and Salesforce, a
 * local webhook receiver, and a clock the test moves. Warnings land as Salesforce fields + one
 * Task per level, and as one webhook post per level, however often the scan runs.
 */
let stack: Stack | undefined;
let closeReceiver: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stack?.close();
  await closeReceiver?.();
  stack = undefined;
});

async function receiver() {
  const posts: unknown[] = [];
  let failuresLeft = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (failuresLeft > 0) {
        failuresLeft -= 1;
        res.writeHead(500).end('boom');
        return;
      }
      posts.push(JSON.parse(body));
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closeReceiver = () => new Promise((r) => server.close(() => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    posts,
    failNext: (n: number) => (failuresLeft = n),
  };
}

describe('expiry warnings through the runtime', () => {
  it('fires 72 h, 24 h and 4 h once each: Salesforce fields, one Task per level, one webhook post per level', async () => {
    const hook = await receiver();
    let now = new Date('2026-03-10T00:00:00Z');
    const deadline = '2026-03-14T00:00:00Z';
    stack = await startStack({
      clock: { now: () => now },
      runtime: {
        expiry: {
          levels: toLevels([72, 24, 4]),
          timeZone: 'Europe/Berlin',
          linkTemplate: null,
          scanIntervalMs: 60_000,
          schedule: false,
          isContactMe: () => false,
          webhook: createWebhookPoster({ url: hook.url, format: 'json' }),
        },
      },
    });
    const s = stack;
    const r = makeReferral({ createdDateTime: '2026-02-28T00:00:00Z', expirationDateTime: deadline }, 'co-sell');
    s.pc.seed([r]);
    await syncOnce(s.rt, { maxWaitMs: 30_000 });
    const expiry = s.rt.expiry;
    if (!expiry) throw new Error('expiry is on');
    const scanTwice = async () => {
      await Promise.all([expiry.scan(), expiry.scan()]); // two workers at once
      await idle(expiry.webhookQueue);
    };

    hook.failNext(1); // the first post answers 500 and is retried; the CRM update does not wait
    for (const at of ['2026-03-11T01:00:00Z', '2026-03-13T01:00:00Z', '2026-03-13T21:00:00Z', '2026-03-13T22:00:00Z']) {
      now = new Date(at);
      await scanTwice();
    }
    const [opp] = s.sf.fake.records('Opportunity');
    expect(opp).toMatchObject({ Referral_Expiry_Level__c: '4h' });
    const tasks = s.sf.fake.records('Task').filter((t) => t.WhatId === opp?.Id);
    expect(tasks.map((t) => String(t.Subject)).sort()).toHaveLength(3);
    expect(hook.posts).toHaveLength(3);
    expect(JSON.stringify(hook.posts)).not.toMatch(/@[a-z0-9-]+\.example/); // no customer e-mails
  });

  it('surfaces a customer contact-me request once, and stops warning once the referral is accepted', async () => {
    const hook = await receiver();
    let now = new Date('2026-03-10T00:00:00Z');
    stack = await startStack({
      clock: { now: () => now },
      runtime: {
        expiry: {
          levels: toLevels([72, 24, 4]),
          timeZone: 'UTC',
          linkTemplate: null,
          scanIntervalMs: 60_000,
          schedule: false,
          isContactMe: (ref) => isContactMeRequest(stack?.mapping ?? (undefined as never), ref),
          webhook: createWebhookPoster({ url: hook.url, format: 'slack' }),
        },
      },
    });
    const s = stack;
    const r = makeReferral(
      {
        createdDateTime: '2026-03-09T12:00:00Z',
        expirationDateTime: '2026-03-23T00:00:00Z',
        callToAction: 'ContactMe',
      },
      'marketplace-lead',
    );
    s.pc.seed([r]);
    await syncOnce(s.rt, { maxWaitMs: 30_000 });
    const expiry = s.rt.expiry;
    if (!expiry) throw new Error('expiry is on');
    await expiry.scan();
    await expiry.scan();
    await idle(expiry.webhookQueue);
    expect(hook.posts).toHaveLength(1); // the contact-me alert, at once and once

    now = new Date('2026-03-20T01:00:00Z'); // 72 h level reached
    await expiry.scan();
    await idle(expiry.webhookQueue);
    expect(hook.posts).toHaveLength(2);

    s.pc.upsert({ ...s.pc.get(r.id), status: 'Active', substatus: 'Accepted' });
    await syncOnce(s.rt, { maxWaitMs: 30_000 });
    now = new Date('2026-03-22T23:00:00Z'); // 24 h and 4 h would be due, but it was answered
    await expiry.scan();
    await idle(expiry.webhookQueue);
    expect(hook.posts).toHaveLength(2);
    // The contact-me request is a CRM task too (#20): the seller sees it, and it is not repeated after Redis loses data.
    expect(
      s.sf.fake
        .records('Task')
        .map((t) => t.Referral_Sync_Key__c)
        .sort(),
    ).toEqual([`${r.id}-72h`, `${r.id}-contact-me`]);
  });
});
