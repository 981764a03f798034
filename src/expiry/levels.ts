import { z } from 'zod';

/** One warning level: fires once when the time left drops to `hours` or less. */
export interface ExpiryLevel {
  /** Stable name stored in the ledger and the CRM "expiry level" field, e.g. '72h'. */
  name: string;
  hours: number;
}

/** The default: 72 h, 24 h and 4 h before the deadline. */
export const DEFAULT_LEVEL_HOURS: readonly number[] = [72, 24, 4];

/** Names reserved for alerts that are not warning levels. */
export const CONTACT_ME_LEVEL = 'contact-me';
export const EXPIRED_LEVEL = 'expired';

/**
 * Level hours as config gives them (env `"72,24,4"` or a mapping-file array). Hours must be
 * positive and below 14 days (a level above the whole response window would fire on arrival),
 * and distinct, since each name must be unique in the ledger.
 */
export const ExpiryLevelHours = z
  .array(
    z
      .number()
      .positive()
      .max(14 * 24, 'must be at most 336 (the 14-day window)'),
  )
  .min(1, 'needs at least one level')
  .refine((hours) => new Set(hours).size === hours.length, { message: 'levels must be distinct' });

/** Parses `"72,24,4"` for env variables; returns the same shape as ExpiryLevelHours. */
export const ExpiryLevelHoursCsv = z
  .string()
  .transform((s) => s.split(',').map((part) => Number(part.trim())))
  .pipe(ExpiryLevelHours);

/** Hours → levels, most distant first, named like `72h` / `0.5h`. Input is trusted (parsed above). */
export function toLevels(hours: readonly number[] = DEFAULT_LEVEL_HOURS): ExpiryLevel[] {
  return [...new Set(hours)].sort((a, b) => b - a).map((h) => ({ name: `${h}h`, hours: h }));
}
