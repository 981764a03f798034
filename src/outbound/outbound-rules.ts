import { z } from 'zod';
import { KNOWN_STATUSES, KNOWN_SUBSTATUSES } from '../domain/referral.ts';
import { closest } from '../mapping/suggest.ts';
import { ShareRules } from '../share/share-rules.ts';

/*
 * What the admin configures for outbound sync (issue 4). Data only; the lead embeds it in the
 * mapping file. CRM field API names (decision field, reason fields, the status/error field) belong
 * to the connector's section, not here: this says what values mean, not where they are stored.
 */

/**
 * Fields a partner may change while the referral is Active (docs/partner-center-referrals-api.md, "Editable after
 * accept").
 */
export const EDIT_FIELDS = ['name', 'dealValue', 'currency', 'closingDateTime', 'notes', 'campaignId', 'team'] as const;
export type EditField = (typeof EDIT_FIELDS)[number];

/**
 * Fields an accept carries with the status change (docs/partner-center-referrals-api.md, "Updates: PATCH, If-Match
 * and 412").
 */
export const ACCEPT_FIELDS: readonly EditField[] = ['name', 'dealValue', 'currency', 'closingDateTime'];

/**
 * Reasons Partner Center lists for Declined and Lost (docs/partner-center-referrals-api.md, "Decline and loss
 * reasons"; the API takes free text).
 */
const DOCUMENTED_CLOSE_REASONS = [
  "Project budget isn't adequate",
  "Customer didn't respond",
  'Customer chose another vendor',
  'Customer requirement not met',
  'Not a customer',
  'Proposed timeline was too short',
  'Report as abuse, spam or phishing',
  'Others',
] as const;

const ReasonMap = z
  .record(z.string().min(1), z.string().min(1))
  .default({})
  .meta({ description: 'CRM reason value -> Partner Center statusReason. Unmapped values pass through as free text.' });

/** The Partner Center states an inbound stage can be keyed by (stageFor in inbound-echo.ts). */
const STAGE_KEYS: readonly string[] = [
  ...KNOWN_STATUSES,
  ...KNOWN_SUBSTATUSES,
  ...KNOWN_STATUSES.flatMap((s) => KNOWN_SUBSTATUSES.map((sub) => `${s}/${sub}`)),
];

/** A misspelt key (`Closed/Wonn`) would never match, and the stage would silently not be written (#15). */
const StageKey = z
  .string()
  .min(1)
  .superRefine((key, ctx) => {
    if (STAGE_KEYS.includes(key)) return;
    const near = closest(key, STAGE_KEYS);
    ctx.addIssue({
      code: 'custom',
      message: `unknown Partner Center state "${key}"${near ? ` (did you mean "${near}"?)` : ''}; use a status, a substatus or status/substatus, e.g. "Closed/Won"`,
    });
  });

const Labels = z
  .strictObject({
    name: z.string().default('deal name'),
    dealValue: z.string().default('deal value'),
    currency: z.string().default('currency'),
    closingDateTime: z.string().default('close date'),
    notes: z.string().default('notes'),
    campaignId: z.string().default('campaign'),
    team: z.string().default('opportunity team'),
    declineReason: z.string().default('decline reason'),
    lostReason: z.string().default('lost reason'),
  })
  .prefault({})
  .meta({ description: 'CRM field names shown in refusal messages, e.g. { "closingDateTime": "CloseDate" }.' });

export const OutboundRules = z
  .strictObject({
    accept: z
      .strictObject({
        decisionValues: z
          .array(z.string().min(1))
          .default(['Accept'])
          .meta({ description: 'Decision field values meaning "accept" (trimmed, case-insensitive).' }),
        onHoldStages: z.array(z.string().min(1)).default([]).meta({
          description:
            "Stages an incoming referral waits in; moving a New referral's opportunity out of them accepts it. Empty: stage never accepts.",
        }),
      })
      .prefault({}),
    decline: z
      .strictObject({
        decisionValues: z
          .array(z.string().min(1))
          .default(['Decline'])
          .meta({ description: 'Decision field values meaning "decline" (trimmed, case-insensitive).' }),
        reasonMap: ReasonMap,
        requireReason: z.boolean().default(true).meta({ description: 'Refuse a decline without a reason.' }),
      })
      .prefault({}),
    lost: z
      .strictObject({ reasonMap: ReasonMap, requireReason: z.boolean().default(false) })
      .prefault({})
      .meta({ description: 'Lost = IsClosed and not IsWon (from OpportunityStage, never stage labels).' }),
    wonHoldHours: z.number().min(0).default(72).meta({
      description:
        'Deal registration: Partner Center needs this long between the basis time and Won (docs/partner-center-referrals-api.md, "Deal registration"). 0 disables.',
    }),
    wonHoldBasis: z
      .enum(['createdDateTime', 'acceptedDateTime'])
      .default('createdDateTime')
      .meta({ description: 'Referral timestamp the Won hold is measured from.' }),
    editableWhileActive: z
      .array(z.enum(EDIT_FIELDS))
      .default([...EDIT_FIELDS])
      .meta({ description: 'CRM edits pushed while the referral is Active (and alongside Won/Lost).' }),
    // UNCONFIRMED: Partner Center lists "campaign id" as editable after accept (UI only,
    // docs/partner-center-referrals-api.md, "Editable after accept") but names
    // no JSON field. Configurable so a sandbox finding needs no release.
    campaignIdPath: z.string().startsWith('/').default('/campaignId'),
    inboundStages: z.record(StageKey, z.string().min(1)).default({}).meta({
      description: 'Partner Center state -> CRM stage written inbound, keyed "Closed/Expired", "Expired" or "Closed".',
    }),
    labels: Labels,
    share: ShareRules,
  })
  .prefault({});
export type OutboundRules = z.infer<typeof OutboundRules>;

const norm = (s: string): string => s.trim().toLowerCase();

/** Normalises the raw decision field value for CrmSnapshot.decision. */
export function toDecision(raw: string | null | undefined, rules: OutboundRules): 'accept' | 'decline' | null {
  if (raw == null || raw.trim() === '') return null;
  const v = norm(raw);
  if (rules.accept.decisionValues.some((a) => norm(a) === v)) return 'accept';
  if (rules.decline.decisionValues.some((d) => norm(d) === v)) return 'decline';
  return null;
}

/**
 * CRM reason -> `statusReason`: the admin's map first (exact, then case-insensitive), then the
 * documented spelling of a documented reason, else the text itself (free text passes through).
 */
export function toStatusReason(raw: string | null, map: Readonly<Record<string, string>>): string | null {
  const text = raw?.trim();
  if (!text) return null;
  const exact = map[text];
  if (exact !== undefined) return exact;
  const key = Object.keys(map).find((k) => norm(k) === norm(text));
  if (key !== undefined) return map[key] ?? text;
  return DOCUMENTED_CLOSE_REASONS.find((r) => norm(r) === norm(text)) ?? text;
}
