import type { Referral } from '../domain/referral.ts';
import { readSource } from './derived.ts';
import type { Condition } from './expiry-settings.ts';
import type { Mapping } from './schema.ts';

/**
 * Whether the referral is a customer's explicit "contact me" request (the 72-hour flame in the
 * Partner Center UI, docs/partner-center-referrals-api.md, "Timing rules"). No API field is documented for it, so the
 * mapping file's
 * `expiry.contactMe` conditions decide; without them the answer is false.
 */
export function isContactMeRequest(mapping: Mapping, referral: Referral): boolean {
  const settings = mapping.expiry?.contactMe;
  if (!settings) return false;
  const holds = (condition: Condition) => conditionHolds(condition, referral, mapping.referralLink);
  return settings.match === 'all' ? settings.when.every(holds) : settings.when.some(holds);
}

export function conditionHolds(condition: Condition, referral: Referral, linkTemplate: string): boolean {
  const raw = readSource(referral, condition.path, linkTemplate);
  const value = typeof raw === 'string' ? raw.trim() : raw;
  const expected = condition.in ?? [condition.equals];
  return expected.some(
    (candidate) => (typeof candidate === 'string' ? candidate.trim() : candidate) === (value ?? null),
  );
}
