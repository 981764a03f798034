import { z } from 'zod';
import { DEFAULT_LEVEL_HOURS, ExpiryLevelHours } from '../expiry/levels.ts';
import { checkPathAt } from './field-rule.ts';

/*
 * Optional `expiry` section: settings the expiry job reads. Kept shallow on purpose: the expiry
 * engine owns their meaning, and levelsHours reuses its validation (src/expiry/levels.ts).
 * Only the "contact me" detection is evaluated here (contact-me.ts), because no API field is
 * documented for it (docs/partner-center-referrals-api.md, "Timing rules") and admins must be able to change the rule
 * without a release.
 */

const Scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);

export const Condition = z
  .strictObject({
    path: z.string().min(1).meta({ description: 'Referral path or derived field (category, link, deadline).' }),
    equals: Scalar.optional().meta({ description: 'Matches when the value equals this (strings compared trimmed).' }),
    in: z.array(Scalar).min(1).optional().meta({ description: 'Matches when the value equals any of these.' }),
    allowUnknownPath: z.boolean().optional(),
  })
  .superRefine((c, ctx) => {
    checkPathAt(ctx, ['path'], c.path, c.allowUnknownPath);
    if ((c.equals === undefined) === (c.in === undefined)) {
      ctx.addIssue({ code: 'custom', path: [], message: 'needs exactly one of equals or in' });
    }
  })
  .meta({ title: 'Condition', oneOf: [{ required: ['equals'] }, { required: ['in'] }] });
export type Condition = z.infer<typeof Condition>;

const ContactMeSettings = z
  .strictObject({
    match: z
      .enum(['any', 'all'])
      .default('any')
      .meta({ description: 'any: one condition is enough; all: every one must hold.' }),
    when: z.array(Condition).min(1),
  })
  .meta({ description: 'How to recognise a customer\'s explicit "contact me" request (72-hour window).' });

export const ExpirySettings = z
  .strictObject({
    levelsHours: ExpiryLevelHours.default([...DEFAULT_LEVEL_HOURS]).meta({
      description: 'Warn this many hours before the response deadline, once per level (at most 336).',
    }),
    contactMe: ContactMeSettings.optional(),
  })
  .meta({ title: 'Expiry warnings' });
export type ExpirySettings = z.infer<typeof ExpirySettings>;
