import { describe, expect, it } from 'vitest';
import { faultAt, namesOf } from './fault.ts';
import { parseReferral } from './referral.ts';
import { makeReferral } from '../../test/fakes/partner-center/fixtures.ts';

describe('faultAt', () => {
  it.each([
    [
      { details: { dealValue: 'about 50k' } },
      ['details', 'dealValue'],
      { field: 'details.dealValue', value: '"about 50k"' },
    ],
    [{ details: {} }, ['details', 'dealValue'], { field: 'details.dealValue', value: '(missing)' }],
    [{ note: 'mail ann@example.com' }, ['note'], { field: 'note', value: '"mail [email hidden]"' }],
    // A person's details are never shown, even when they are what failed.
    [{ team: [{ phoneNumber: 12 }] }, ['team', 0, 'phoneNumber'], { field: 'team.0.phoneNumber' }],
  ])('%j at %j', (raw, path, fault) => {
    expect(faultAt(raw, path)).toEqual(fault);
  });

  it('clips a long value', () => {
    expect(faultAt({ name: 'x'.repeat(5000) }, ['name']).value?.length).toBeLessThan(200);
  });

  it('comes with a referral that fails its schema', () => {
    const raw = { ...makeReferral(), details: { dealValue: 'about 50k' } };
    const parsed = parseReferral(raw);
    expect(parsed.ok ? null : parsed.fault).toEqual({ field: 'details.dealValue', value: '"about 50k"' });
  });
});

describe('namesOf', () => {
  it('takes deal and customer names when they are text', () => {
    expect(namesOf({ name: 'Kestrel rollout', customerProfile: { name: 'Kestrel Freight' } })).toEqual({
      dealName: 'Kestrel rollout',
      customerName: 'Kestrel Freight',
    });
    expect(namesOf({ name: 4 })).toEqual({});
  });
});
