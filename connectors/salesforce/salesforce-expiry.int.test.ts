import { afterEach, describe, expect, it } from 'vitest';
import { NotFoundError, ValidationError } from '../../src/errors.ts';
import type { ExpiryWarning } from '../../src/ports/crm.ts';
import { startSalesforceHarness, type SalesforceHarness } from '../../test/fakes/salesforce/salesforce-harness.ts';
import { checkSalesforce } from './check-salesforce.ts';
import { dateIn } from './expiry-writer.ts';

let h: SalesforceHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function opportunity(harness: SalesforceHarness, ownerId = '005000000000009AAA'): Promise<string> {
  const [r] = await harness.connector.upsertOpportunities([
    { referralId: 'EXP-1', fields: { Name: 'Deal', StageName: 'Prospecting', CloseDate: '2030-01-01' }, account: null },
  ]);
  if (!r?.ok) throw new Error('setup failed');
  harness.fake.updateAsUser(r.crmId, { OwnerId: ownerId });
  return r.crmId;
}

const warning = (crmId: string, level = '24h'): ExpiryWarning => ({
  referralId: 'EXP-1',
  crmId,
  level,
  deadline: new Date('2030-01-02T23:30:00Z'),
  taskSubject: 'Referral EXP-1 expires in 24 h',
  taskDescription: 'Accept or decline the referral in Partner Center before it expires.',
});

describe('salesforce applyExpiryWarning', () => {
  it('sets the expiry fields and creates one task for the owner, even when applied twice', async () => {
    h = await startSalesforceHarness();
    const crmId = await opportunity(h);
    await h.connector.applyExpiryWarning(warning(crmId));
    await h.connector.applyExpiryWarning(warning(crmId));
    const tasks = h.fake.records('Task');
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({
      WhatId: crmId,
      OwnerId: '005000000000009AAA',
      Subject: 'Referral EXP-1 expires in 24 h',
      ActivityDate: '2030-01-02',
      Priority: 'High',
      Status: 'Not Started',
      Referral_Sync_Key__c: 'EXP-1-24h',
    });
    expect(h.fake.record('Opportunity', crmId)).toMatchObject({
      Referral_Expires_At__c: '2030-01-02T23:30:00.000Z',
      Referral_Expiry_Level__c: '24h',
    });
  });

  it('creates one task per level', async () => {
    h = await startSalesforceHarness();
    const crmId = await opportunity(h);
    await h.connector.applyExpiryWarning(warning(crmId, '72h'));
    await h.connector.applyExpiryWarning(warning(crmId, '24h'));
    expect(
      h.fake
        .records('Task')
        .map((t) => t.Referral_Sync_Key__c)
        .sort(),
    ).toEqual(['EXP-1-24h', 'EXP-1-72h']);
    expect(h.fake.record('Opportunity', crmId)?.Referral_Expiry_Level__c).toBe('24h');
  });

  it('uses the configured fields and time zone', async () => {
    h = await startSalesforceHarness({
      connector: { expiryFields: { expiresAt: 'Expires__c', level: 'Level__c' }, taskTimeZone: 'Pacific/Auckland' },
    });
    const crmId = await opportunity(h);
    await h.connector.applyExpiryWarning(warning(crmId));
    expect(h.fake.record('Opportunity', crmId)).toMatchObject({
      Expires__c: '2030-01-02T23:30:00.000Z',
      Level__c: '24h',
    });
    expect(h.fake.records('Task')[0]?.ActivityDate).toBe('2030-01-03');
  });

  it('throws NotFoundError for a deleted opportunity and ValidationError for a bad id', async () => {
    h = await startSalesforceHarness();
    await expect(h.connector.applyExpiryWarning(warning('006000000000999AAA'))).rejects.toBeInstanceOf(NotFoundError);
    await expect(h.connector.applyExpiryWarning(warning('not-an-id'))).rejects.toBeInstanceOf(ValidationError);
    expect(h.fake.records('Task')).toHaveLength(0);
  });

  it('formats calendar dates per time zone', () => {
    expect(dateIn(new Date('2030-01-02T23:30:00Z'), 'UTC')).toBe('2030-01-02');
    expect(dateIn(new Date('2030-01-02T23:30:00Z'), 'Europe/Berlin')).toBe('2030-01-03');
  });
});

describe('checkSalesforce', () => {
  it('passes against the default fake org', async () => {
    h = await startSalesforceHarness();
    const report = await checkSalesforce(h.connector);
    expect(report.items.filter((i) => !i.ok)).toEqual([]);
    expect(report).toMatchObject({ ok: true, apiVersion: '62.0', signedIn: { userId: h.fake.integrationUserId } });
  });

  it('names missing fields and keys that are not External ID + Unique', async () => {
    h = await startSalesforceHarness({
      fake: { fields: { Task: [{ name: 'Referral_Sync_Key__c', type: 'string', length: 255 }] } },
      connector: { externalIdField: 'Partner_Referral__c' },
    });
    const report = await checkSalesforce(h.connector);
    expect(report.ok).toBe(false);
    const problems = report.items.filter((i) => !i.ok).map((i) => `${i.object}.${i.field}: ${i.problem ?? ''}`);
    expect(problems).toEqual([
      expect.stringMatching(/^Opportunity\.Partner_Referral__c: .*missing/),
      expect.stringMatching(/^Task\.Referral_Sync_Key__c: .*not marked External ID/),
    ]);
  });
});

describe('salesforce readAppliedExpiry (#20)', () => {
  it('reads back the level field and which alerts have their task; a contact-me task leaves the field', async () => {
    h = await startSalesforceHarness();
    const crmId = await opportunity(h);
    const q = { referralId: 'EXP-1', crmId, alerts: ['contact-me', '72h', '24h', '4h'] };
    expect(await h.connector.readAppliedExpiry(q)).toEqual({ level: null, tasks: new Set() });
    await h.connector.applyExpiryWarning(warning(crmId, '72h'));
    await h.connector.applyExpiryWarning({ ...warning(crmId, 'contact-me'), setsLevel: false });
    expect(await h.connector.readAppliedExpiry(q)).toEqual({ level: '72h', tasks: new Set(['72h', 'contact-me']) });
  });
});
