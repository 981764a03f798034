import { describe, expect, it } from 'vitest';
import { crmListCalls, partnerCenterListCalls } from './reconcile-cost.ts';

/** The README's table: open and recently closed referrals split 30/40/30, one opportunity each. */
const split = (n: number) => ({ new: 0.3 * n, active: 0.4 * n, closedRecently: 0.3 * n });

describe('reconcile sweep cost in API calls', () => {
  it.each([
    // referrals, Partner Center at $top 100, Salesforce (2,000 per page, teams by 200 ids),
    // Dataverse as shipped (500 per page) and at its 5,000 maximum; teams by ~410 ids (the
    // connector's 28,000-character $filter holds 25 groups for 10k GUIDs, 244 for 100k)
    [10_000, 100, 55, 45, 27],
    [100_000, 1000, 550, 444, 264],
  ])(
    '%i referrals: Partner Center %i, Salesforce %i, Dataverse %i (500/page) or %i (5,000/page)',
    (n, pc, sf, dv500, dv5000) => {
      expect(partnerCenterListCalls(split(n), 100)).toBe(pc);
      expect(crmListCalls({ opportunities: n, pageSize: 2000, teamIdsPerQuery: 200 })).toBe(sf);
      expect(crmListCalls({ opportunities: n, pageSize: 500, teamIdsPerQuery: 410 })).toBe(dv500);
      expect(crmListCalls({ opportunities: n, pageSize: 5000, teamIdsPerQuery: 410 })).toBe(dv5000);
    },
  );

  it('an empty listing still costs its first page', () => {
    expect(partnerCenterListCalls({ new: 0, active: 0, closedRecently: 0 }, 100)).toBe(3);
    expect(crmListCalls({ opportunities: 0, pageSize: 2000, teamIdsPerQuery: 200 })).toBe(1);
  });
});
