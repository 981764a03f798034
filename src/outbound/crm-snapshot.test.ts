import { describe, expect, it } from 'vitest';
import { CrmSnapshot, snapshotVersion } from './crm-snapshot.ts';
import { snapshot } from './outbound.fixtures.ts';

describe('CrmSnapshot', () => {
  it('accepts a complete snapshot, with a Salesforce-style modstamp', () => {
    expect(CrmSnapshot.safeParse(snapshot()).success).toBe(true);
    expect(CrmSnapshot.safeParse(snapshot({ modstamp: '2025-03-04T10:00:00.000+0000' })).success).toBe(true);
  });

  it.each([
    [{ isWon: true, isClosed: false }, 'isWon'],
    [{ closeDate: '2025-06-31T00:00:00Z' }, 'closeDate'],
    [{ modstamp: 'yesterday' }, 'modstamp'],
    [{ decision: 'maybe' }, 'decision'],
  ])('rejects %o', (over, path) => {
    const parsed = CrmSnapshot.safeParse({ ...snapshot(), ...over });
    expect(parsed.error?.issues.map((i) => i.path.join('.'))).toContain(path);
  });
});

describe('snapshotVersion (#15)', () => {
  const contact = (email: string) => ({ firstName: 'A', lastName: 'B', email });
  const base = { modstamp: '2025-01-02T00:00:00.000Z', teamContacts: [contact('a@x.example')] };
  it('changes when only the team changes', () => {
    expect(snapshotVersion({ ...base, teamContacts: [...base.teamContacts, contact('b@x.example')] })).not.toBe(
      snapshotVersion(base),
    );
  });
  it('ignores team order and e-mail case', () => {
    const two = [contact('a@x.example'), contact('B@x.example')];
    expect(snapshotVersion({ ...base, teamContacts: two })).toBe(
      snapshotVersion({ ...base, teamContacts: [contact('b@x.example'), contact('A@x.example')] }),
    );
  });
});
