import { z } from 'zod';

/*
 * A Partner Center webhook event (docs/partner-center-webhooks.md, "Events"). The body names
 * the change only; the referral itself is fetched from the Referrals API afterwards. Property
 * names are PascalCase as Microsoft sends them. Objects are loose: fields Microsoft adds later
 * must not turn a genuine event into a 400.
 */

/** The referral events we register for and act on. */
export const REFERRAL_EVENTS = [
  'referral-created',
  'referral-updated',
  'related-referral-created',
  'related-referral-updated',
] as const;
export type ReferralEventName = (typeof REFERRAL_EVENTS)[number];

const isoDateTime = z
  .string()
  .max(64)
  // Microsoft sends 7 fractional digits and an offset ("2018-02-17T00:05:39.5485487+00:00");
  // Date.parse accepts that, so the shape is checked here and the instant by Date.parse.
  .regex(
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/,
    'must be an ISO 8601 date-time with an offset',
  )
  .refine((s) => !Number.isNaN(Date.parse(s)), 'not a valid date-time');

const PartnerCenterEvent = z.looseObject({
  EventName: z.string().min(1).max(100),
  ResourceUri: z.string().min(1).max(2048),
  ResourceName: z.string().max(100).nullish(),
  AuditUri: z.string().max(2048).nullish(),
  ResourceChangeUtcDate: isoDateTime,
});
export type PartnerCenterEvent = z.infer<typeof PartnerCenterEvent>;

export const isReferralEvent = (name: string): name is ReferralEventName =>
  (REFERRAL_EVENTS as readonly string[]).includes(name);

export type ParsedEvent = { ok: true; event: PartnerCenterEvent } | { ok: false; reason: string };

/**
 * Parses the raw body (already signature-checked). Reasons name the failing property, never
 * its value: the body is attacker-controlled until proven otherwise, and reasons are logged.
 */
export function parseEvent(text: string): ParsedEvent {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'body is not JSON' };
  }
  const parsed = PartnerCenterEvent.safeParse(json);
  if (parsed.success) return { ok: true, event: parsed.data };
  const issues = parsed.error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    .join('; ');
  return { ok: false, reason: `not a Partner Center event: ${issues}` };
}
