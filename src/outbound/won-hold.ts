import type { Referral } from '../domain/referral.ts';
import type { HoldDecision } from './outbound-decision.ts';
import type { OutboundRules } from './outbound-rules.ts';

const HOUR_MS = 3_600_000;

/**
 * Deal registration needs 72 h between creating the deal and marking it Won (docs/partner-center-referrals-api.md,
 * "Deal registration", UI
 * rule; whether the API enforces it is unconfirmed). A Won inside that window is held until it
 * ends rather than sent and rejected. The basis is the referral's `createdDateTime` by default
 * (`wonHoldBasis`); `acceptedDateTime` falls back to it when absent. Without a basis time there is
 * nothing to measure from and the Won goes out.
 */
export function wonHold(referral: Referral, rules: OutboundRules, now: Date): HoldDecision | null {
  if (rules.wonHoldHours <= 0) return null;
  const basisName =
    rules.wonHoldBasis === 'acceptedDateTime' && referral.acceptedDateTime ? 'acceptedDateTime' : 'createdDateTime';
  const basis = referral[basisName];
  const basisMs = basis ? Date.parse(basis) : Number.NaN;
  if (Number.isNaN(basisMs)) return null;
  const until = new Date(basisMs + rules.wonHoldHours * HOUR_MS);
  if (now.getTime() >= until.getTime()) return null;
  return {
    kind: 'hold',
    intent: 'won',
    until,
    reason: `Won is held until ${until.toISOString()}: Partner Center needs ${rules.wonHoldHours} h between the referral's ${basisName} (${basis}) and Won for deal registration`,
  };
}
