import type { Referral } from '../src/domain/referral.ts';
import { makeReferral, type ReferralKind } from '../test/fakes/partner-center/fixtures.ts';

/*
 * The referrals of a mixed backfill (`npm run bench -- --leads`, issue 16). An invented mix, for
 * a partner with a marketplace listing whose inbox is mostly marketplace leads: per 10 referrals,
 * 5 marketplace leads, 2 qualified leads (Microsoft-qualified) and 3 co-sells, interleaved so
 * that both of the worker's batchers (Leads and opportunities) fill at the same time. All are New,
 * so the shipped mapping's `leads` rule sends the leads to CRM Leads and the co-sells to
 * opportunities, and every one is open (its id is written back).
 */
export const LEAD_MIX: readonly ReferralKind[] = [
  'marketplace-lead',
  'co-sell',
  'marketplace-lead',
  'qualified-lead',
  'marketplace-lead',
  'co-sell',
  'marketplace-lead',
  'qualified-lead',
  'marketplace-lead',
  'co-sell',
];

const LEAD_KINDS: ReadonlySet<ReferralKind> = new Set(['marketplace-lead', 'qualified-lead']);

export interface MixedReferrals {
  referrals: Referral[];
  /** Ids of the referrals seeded as leads (marketplace or qualified): each should become one Lead. */
  leadIds: Set<string>;
  /** Referrals per kind, as seeded. */
  kinds: Partial<Record<ReferralKind, number>>;
}

/**
 * `n` referrals in the LEAD_MIX proportions with strictly increasing updatedDateTime, `stepMs`
 * apart from `start` (as makeReferrals in the fixtures, which the default run seeds).
 */
export function makeMixedReferrals(
  n: number,
  start = Date.parse('2025-01-01T00:00:00Z'),
  stepMs = 1_000,
): MixedReferrals {
  const referrals: Referral[] = [];
  const leadIds = new Set<string>();
  const kinds: Partial<Record<ReferralKind, number>> = {};
  for (let i = 0; i < n; i++) {
    const kind = LEAD_MIX[i % LEAD_MIX.length] as ReferralKind;
    const at = new Date(start + i * stepMs).toISOString();
    const r = makeReferral({ createdDateTime: at, updatedDateTime: at }, kind);
    referrals.push(r);
    kinds[kind] = (kinds[kind] ?? 0) + 1;
    if (LEAD_KINDS.has(kind)) leadIds.add(r.id);
  }
  return { referrals, leadIds, kinds };
}
