import { z } from 'zod';
import { contentHash } from '../sync/draft-hash.ts';

/*
 * One opportunity as the CRM connector reads it for outbound sync (issue 4), in CRM-neutral terms.
 * The connector fills it: Salesforce reads IsClosed/IsWon from OpportunityStage metadata, never
 * from stage labels (docs/salesforce-api.md, "Won and Lost come from stage metadata"); Dynamics reads statecode.
 * `decision` is already normalised
 * with toDecision() (outbound-rules.ts) from whatever picklist value the admin configured.
 */

export const TeamContact = z.object({
  firstName: z.string(),
  lastName: z.string(),
  email: z.string().min(1),
  /** The user's phone in the CRM, when it has one (Partner Center's Member.phoneNumber). */
  phoneNumber: z.string().min(1).optional(),
});
export type TeamContact = z.infer<typeof TeamContact>;

export const CrmSnapshot = z
  .object({
    /** Salesforce Opportunity Id / Dataverse opportunityid. */
    crmId: z.string().min(1),
    /** The Partner Center referral id held in the external-id field. */
    referralId: z.string().min(1),
    /**
     * SystemModstamp / modifiedon: the polling cursor, not used for decisions. Any date-time Date
     * parses: Salesforce REST writes offsets without a colon (`…000+0000`), which z.iso rejects.
     */
    modstamp: z.string().refine((s) => !Number.isNaN(Date.parse(s)), { message: 'not an ISO 8601 date-time' }),
    decision: z.enum(['accept', 'decline']).nullable(),
    /** Raw value of the decline reason field (picklist value or free text). */
    declineReason: z.string().nullable(),
    /** Raw value of the lost reason field. */
    lostReason: z.string().nullable(),
    /** Stage API name (Salesforce StageName); only compared with the configured on-hold stages. */
    stage: z.string().nullable(),
    isClosed: z.boolean(),
    isWon: z.boolean(),
    name: z.string(),
    dealValue: z.number().nullable(),
    /** ISO 4217; null in single-currency Salesforce orgs that have no CurrencyIsoCode. */
    currency: z.string().nullable(),
    /** Date only: Salesforce CloseDate / Dataverse estimatedclosedate. */
    closeDate: z.iso.date().nullable(),
    notes: z.string().nullable(),
    campaignId: z.string().nullable(),
    /** The partner's sellers on the opportunity team. */
    teamContacts: z.array(TeamContact),
  })
  .refine((s) => s.isClosed || !s.isWon, { message: 'isWon requires isClosed', path: ['isWon'] });
export type CrmSnapshot = z.infer<typeof CrmSnapshot>;

/**
 * What makes two reads of one opportunity different for outbound sync: its modstamp, and its team.
 * Adding a Salesforce OpportunityTeamMember or a Dataverse connection leaves the opportunity's
 * SystemModstamp / modifiedon alone (docs/outbound-team-changes.md), so comparing modstamps alone
 * dropped every team-only change (#15).
 */
export const snapshotVersion = (s: Pick<CrmSnapshot, 'modstamp' | 'teamContacts'>): string => {
  const emails = s.teamContacts.map((c) => c.email.toLowerCase()).sort();
  return emails.length === 0 ? s.modstamp : `${s.modstamp}-t${contentHash(emails)}`;
};
