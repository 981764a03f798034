import { describe, expect, it } from 'vitest';
import { makeMixedReferrals } from '../bench/mix.ts';
import { parseBenchOptions } from '../bench/options.ts';
import { endStateProblems, writeBounds } from '../bench/report.ts';
import { loadMappingFile } from '../jobs/mapping-file.ts';
import { categorize } from '../src/mapping/category.ts';
import { landsAsLead } from '../src/mapping/lead-section.ts';

/* `npm run bench -- --leads` (issue 16): the mixed backfill's options, referrals, bounds and end-state check. */
describe('bench --leads', () => {
  it('is off by default, with the per-record baseline as before', () => {
    const o = parseBenchOptions([]);
    expect([o.leads, o.baseline]).toEqual([false, 1_000]);
  });

  it('turns the Lead binding on and leaves the baseline out, which it does not model', () => {
    expect([parseBenchOptions(['--leads']).leads, parseBenchOptions(['--leads']).baseline]).toEqual([true, 0]);
    expect(parseBenchOptions(['--leads', '--baseline', '0']).baseline).toBe(0);
    expect(() => parseBenchOptions(['--leads', '--baseline', '100'])).toThrow(/--leads runs without/);
  });

  it('seeds marketplace leads, qualified leads and co-sells; the shipped mapping sends exactly the leads to Leads', async () => {
    const mapping = await loadMappingFile('config/mapping.default.yaml');
    const { referrals, leadIds, kinds } = makeMixedReferrals(20);
    expect(kinds).toEqual({ 'marketplace-lead': 10, 'qualified-lead': 4, 'co-sell': 6 });
    expect(referrals.map((r) => categorize(r)).sort()).toEqual(
      [...Array(10).fill('marketplace-lead'), ...Array(4).fill('qualified-lead'), ...Array(6).fill('co-sell')].sort(),
    );
    for (const crm of ['salesforce', 'dynamics'] as const)
      expect(referrals.filter((r) => landsAsLead(mapping, crm, r)).map((r) => r.id)).toEqual([...leadIds]);
    // All open: every one gets its id written back.
    expect(referrals.every((r) => r.status === 'New')).toBe(true);
    const times = referrals.map((r) => Date.parse(r.updatedDateTime ?? ''));
    expect(times.every((t, i) => i === 0 || t > (times[i - 1] ?? t))).toBe(true);
  });

  it('bounds Lead and opportunity write calls each by full batches', () => {
    expect(writeBounds(10_000, 7_000, 200)).toEqual({ oppWrites: 15, leadWrites: 35, crmWrites: 50 });
    expect(writeBounds(10_001, 7_001, 1_000)).toEqual({ oppWrites: 3, leadWrites: 8, crmWrites: 11 });
    // Without leads, the bound is the opportunities' alone, as before.
    expect(writeBounds(10_000, 0, 200)).toEqual({ oppWrites: 50, leadWrites: 0, crmWrites: 50 });
  });

  it('finds a wrong end state: a lead on an opportunity, a missing Lead, a double write-back, a parked referral', () => {
    const ok = {
      n: 10,
      open: 10,
      leadReferrals: 7,
      check: {
        opportunities: 3,
        distinctReferrals: 3,
        missing: 0,
        leads: 7,
        distinctLeadReferrals: 7,
        leadsMissing: 0,
        misplaced: 0,
        writtenBackOnce: 10,
        writeBackDuplicates: 0,
        parked: 0,
        parkedReasons: [],
      },
    };
    expect(endStateProblems(ok)).toEqual([]);
    const wrong = {
      ...ok,
      check: {
        ...ok.check,
        opportunities: 4,
        distinctReferrals: 4,
        leads: 6,
        distinctLeadReferrals: 6,
        leadsMissing: 1,
        misplaced: 1,
        writtenBackOnce: 9,
        writeBackDuplicates: 1,
        parked: 1,
      },
    };
    expect(endStateProblems(wrong)).toHaveLength(7);
  });
});
