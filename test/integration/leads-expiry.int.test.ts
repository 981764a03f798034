import { afterEach, describe, expect, it } from 'vitest';
import { toLevels } from '../../src/expiry/levels.ts';
import { isContactMeRequest } from '../../src/mapping/contact-me.ts';
import { syncOnce } from '../../jobs/sync-once.ts';
import { makeReferral } from '../fakes/partner-center/fixtures.ts';
import { startStack, type Stack } from './harness.ts';

/* Expiry warnings and contact-me tasks for referrals that are Salesforce Leads (issue 16). */
let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

describe('expiry warnings on a Lead', () => {
  it('sets the Lead expiry fields and puts the follow-up and contact-me tasks on the Lead', async () => {
    let now = new Date('2026-03-10T00:00:00Z');
    stack = await startStack({
      leads: true,
      clock: { now: () => now },
      runtime: {
        expiry: {
          levels: toLevels([72, 24, 4]),
          timeZone: 'UTC',
          linkTemplate: null,
          scanIntervalMs: 60_000,
          schedule: false,
          isContactMe: (ref) => isContactMeRequest(stack?.mapping ?? (undefined as never), ref),
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
    await expiry.scan(); // the contact-me request, within its 72 hours
    now = new Date('2026-03-20T01:00:00Z'); // the 72 h level
    await expiry.scan();
    await expiry.scan();

    const [lead] = s.sf.fake.records('Lead').filter((l) => l.Referral_Id__c === r.id);
    expect(lead).toMatchObject({ Referral_Expiry_Level__c: '72h' });
    const tasks = s.sf.fake.records('Task');
    expect(tasks.map((t) => [t.Referral_Sync_Key__c, t.WhoId, t.WhatId ?? null]).sort()).toEqual([
      [`${r.id}-72h`, lead?.Id, null],
      [`${r.id}-contact-me`, lead?.Id, null],
    ]);
  });
});
