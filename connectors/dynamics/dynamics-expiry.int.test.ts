import { afterEach, describe, expect, it } from 'vitest';
import { NotFoundError, ValidationError } from '../../src/errors.ts';
import type { ExpiryWarning } from '../../src/ports/crm.ts';
import { startDataverseHarness, type DataverseHarness } from '../../test/fakes/dataverse/dataverse-harness.ts';
import { SELLER_ID } from '../../test/fakes/dataverse/store.ts';
import { taskId, uuidV5 } from './expiry-writer.ts';

let h: DataverseHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const DEADLINE = new Date('2026-04-10T15:00:00Z');
const warning = (crmId: string, level = '24h'): ExpiryWarning => ({
  referralId: 'R-1',
  crmId,
  level,
  deadline: DEADLINE,
  taskSubject: 'Respond to referral R-1 by 10 Apr 17:00',
  taskDescription: 'Deal R-1 expires in 24 hours.',
});

async function opportunity(): Promise<{ h: DataverseHarness; id: string }> {
  h = await startDataverseHarness();
  const [r] = await h.connector.upsertOpportunities([
    { referralId: 'R-1', fields: { name: 'Deal R-1' }, account: null },
  ]);
  if (!r?.ok) throw new Error('setup');
  h.fake.updateAsUser(r.crmId, { _ownerid_value: SELLER_ID });
  return { h, id: r.crmId };
}

describe('dynamics applyExpiryWarning', () => {
  it('sets the expiry columns and creates one task for the owner, even when called twice', async () => {
    const { h, id } = await opportunity();
    await h.connector.applyExpiryWarning(warning(id));
    await h.connector.applyExpiryWarning(warning(id));
    const [opp] = h.fake.records('opportunities');
    expect(opp).toMatchObject({ new_referralexpiresat: DEADLINE.toISOString(), new_referralexpirylevel: '24h' });
    const tasks = h.fake.records('tasks');
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({
      activityid: taskId('R-1', '24h'),
      subject: 'Respond to referral R-1 by 10 Apr 17:00',
      scheduledend: DEADLINE.toISOString(),
      prioritycode: 2,
      _regardingobjectid_value: id,
      _ownerid_value: SELLER_ID,
    });
  });

  it('creates one task per level', async () => {
    const { h, id } = await opportunity();
    await h.connector.applyExpiryWarning(warning(id, '72h'));
    await h.connector.applyExpiryWarning(warning(id, '24h'));
    expect(
      h.fake
        .records('tasks')
        .map((t) => t.activityid)
        .sort(),
    ).toEqual([taskId('R-1', '24h'), taskId('R-1', '72h')].sort());
  });

  it('leaves a task the owner already completed alone on a retry', async () => {
    const { h, id } = await opportunity();
    await h.connector.applyExpiryWarning(warning(id));
    h.fake.updateAsUser(taskId('R-1', '24h'), { statecode: 1, statuscode: 5 }, 'tasks');
    await expect(h.connector.applyExpiryWarning(warning(id))).resolves.toBeUndefined();
    expect(h.fake.records('tasks')[0]).toMatchObject({ statecode: 1 });
  });

  it('still reaches the seller when the opportunity is closed (read-only)', async () => {
    const { h, id } = await opportunity();
    await h.connector.closeOpportunity(id, 'lost', { subject: 'Lost' });
    await h.connector.applyExpiryWarning(warning(id));
    expect(h.fake.records('tasks')).toHaveLength(1);
    expect(h.fake.records('opportunities')[0]?.new_referralexpirylevel).toBeUndefined();
  });

  it('fails for a deleted opportunity without re-creating it, and refuses bad ids and levels', async () => {
    const { h } = await opportunity();
    await expect(
      h.connector.applyExpiryWarning(warning('00000000-0000-4000-8000-000000000001')),
    ).rejects.toBeInstanceOf(NotFoundError);
    await expect(h.connector.applyExpiryWarning(warning('006000000000001'))).rejects.toBeInstanceOf(ValidationError);
    await expect(
      h.connector.applyExpiryWarning(warning('00000000-0000-4000-8000-000000000001', '24 h')),
    ).rejects.toBeInstanceOf(ValidationError);
    expect(h.fake.records('opportunities')).toHaveLength(1);
    expect(h.fake.records('tasks')).toHaveLength(0);
  });
});

describe('uuidV5', () => {
  it('matches the RFC 9562 example (DNS namespace, www.example.com)', () => {
    expect(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe(
      '2ed6657d-e927-568b-95e1-2665a8aea6a2',
    );
  });
  it('is stable per referral and level', () => {
    expect(taskId('R-1', '24h')).toBe(taskId('R-1', '24h'));
    expect(taskId('R-1', '24h')).not.toBe(taskId('R-1', '4h'));
    expect(taskId('R-1', '24h')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('dynamics readAppliedExpiry (#20)', () => {
  it('reads back the level column and which alerts have their task; a contact-me task leaves the column', async () => {
    const { h, id } = await opportunity();
    const q = { referralId: 'R-1', crmId: id, alerts: ['contact-me', '72h', '24h', '4h'] };
    expect(await h.connector.readAppliedExpiry(q)).toEqual({ level: null, tasks: new Set() });
    await h.connector.applyExpiryWarning(warning(id, '72h'));
    await h.connector.applyExpiryWarning({ ...warning(id, 'contact-me'), setsLevel: false });
    expect(await h.connector.readAppliedExpiry(q)).toEqual({ level: '72h', tasks: new Set(['72h', 'contact-me']) });
  });
});
