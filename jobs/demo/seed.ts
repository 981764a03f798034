import type { Referral } from '../../src/domain/referral.ts';
import type { FakeReferral } from '../../test/fakes/partner-center/server.ts';
import { makeReferral, type ReferralKind } from '../../test/fakes/partner-center/fixtures.ts';

/*
 * The demo's referrals: a realistic mix relative to `now`, so the expiry levels (72 h, 24 h, 4 h)
 * fire on the first scans and Close Won is allowed at once (created more than 72 h ago).
 * Companies and people are the fixtures' invented ones; emails use the reserved .example domain.
 */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function at(now: number, offsetMs: number): string {
  return new Date(now + offsetMs).toISOString();
}

function referral(now: number, kind: ReferralKind, createdAgoMs: number, extra: Partial<Referral> = {}): Referral {
  const created = at(now, -createdAgoMs);
  const base = makeReferral({ createdDateTime: created, updatedDateTime: created }, kind);
  // Only one lead in the demo is a customer's "contact me" request; the fixtures mark every one.
  const callToAction = kind === 'marketplace-lead' ? null : base.callToAction;
  return {
    ...base,
    callToAction,
    expirationDateTime: base.status === 'New' ? at(now, 14 * DAY - createdAgoMs) : base.expirationDateTime,
    ...extra,
  };
}

export interface DemoSeed {
  referrals: FakeReferral[];
  summary: string;
}

export function demoReferrals(now: number): DemoSeed {
  const active = { status: 'Active', substatus: 'Accepted' };
  const valid: Referral[] = [
    referral(now, 'marketplace-lead', 2 * DAY),
    referral(now, 'marketplace-lead', 5 * DAY),
    referral(now, 'marketplace-lead', 1 * DAY, { callToAction: 'ContactMe' }),
    referral(now, 'qualified-lead', 3 * DAY),
    referral(now, 'qualified-lead', 6 * DAY),
    referral(now, 'co-sell', 4 * DAY),
    referral(now, 'co-sell', 2 * DAY),
    referral(now, 'co-sell', 7 * DAY),
    // Near their deadline: the expiry scan warns at 72 h, 24 h and 4 h.
    referral(now, 'co-sell', 11 * DAY, { expirationDateTime: at(now, 70 * HOUR) }),
    referral(now, 'qualified-lead', 13 * DAY, { expirationDateTime: at(now, 20 * HOUR) }),
    referral(now, 'marketplace-lead', 14 * DAY, { expirationDateTime: at(now, 3 * HOUR) }),
    // Already accepted: ready for Close Won / Close Lost in the simulated CRM.
    referral(now, 'co-sell', 10 * DAY, { ...active, acceptedDateTime: at(now, -9 * DAY), expirationDateTime: null }),
    referral(now, 'co-sell', 20 * DAY, { ...active, acceptedDateTime: at(now, -18 * DAY), expirationDateTime: null }),
    referral(now, 'outgoing-won', 30 * DAY),
  ];
  // Fails validation (dealValue must be a number): the pull parks it with the reason.
  const broken = referral(now, 'co-sell', 1 * DAY);
  const malformed: FakeReferral = { ...broken, details: { ...broken.details, dealValue: 'about 50k' } };
  // Touched by Microsoft in the last minutes, so the pull checkpoint (sync lag) starts near now.
  const all = [...valid, malformed].map((r, i) => ({ ...r, updatedDateTime: at(now, -(i + 1) * 60_000) }));
  return {
    referrals: all,
    summary:
      `${valid.length + 1} referrals: new marketplace leads (one "contact me"), qualified leads and co-sells, ` +
      'three within 72 h / 24 h / 4 h of their deadline, two accepted ones to close, and one malformed one that gets parked',
  };
}

/** One more new lead, so the dashboard shows referrals arriving while the demo runs. */
export function trickleReferral(now: number, n: number): FakeReferral {
  const kinds: ReferralKind[] = ['marketplace-lead', 'co-sell', 'qualified-lead'];
  return referral(now, kinds[n % kinds.length] ?? 'co-sell', 0);
}
