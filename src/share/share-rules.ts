import { z } from 'zod';

/*
 * What the values a seller picks to share an opportunity mean (issue 16), CRM-neutral: the
 * mapping file's `outbound.share`. Where the values are stored is `<crm>.outbound.share`
 * (src/mapping/share-fields.ts). Facts behind the defaults: docs/partner-center-create-referral.md.
 */

/** Partner Center's outgoing deal kinds: not shared, shared without help, shared with a help request. */
export const SHARE_KINDS = ['private', 'partner-led', 'co-sell'] as const;
export type ShareKind = (typeof SHARE_KINDS)[number];

/** The help types Partner Center's UI lists for "How can Microsoft help?". */
export const DOCUMENTED_HELP_TYPES = [
  'Workload-specific value proposition',
  'Customer technical architecture',
  'Proof of concept/demo',
  'Quotes and licensing',
  'Post-sales customer success',
  'General or other',
] as const;

const ShareLabels = z
  .strictObject({
    name: z.string().default('deal name'),
    dealValue: z.string().default('deal value'),
    currency: z.string().default('currency'),
    closeDate: z.string().default('close date'),
    customerName: z.string().default('Account Name'),
    customerCountry: z.string().default('customer country (2-letter code)'),
    contactFirstName: z.string().default('customer contact first name'),
    contactLastName: z.string().default('customer contact last name'),
    contactEmail: z.string().default('customer contact email'),
    solutions: z.string().default('Microsoft Partner Center Solutions'),
    helpType: z.string().default('How can Microsoft help?'),
    visibility: z.string().default('Referral Visibility'),
  })
  .prefault({})
  .meta({ description: 'Field names as sellers see them, used in the message when something is missing.' });
export type ShareLabels = z.infer<typeof ShareLabels>;

export const ShareRules = z
  .strictObject({
    kinds: z
      .record(z.string().min(1), z.enum(SHARE_KINDS))
      .default({ Private: 'private', 'Partner-led': 'partner-led', 'Co-sell': 'co-sell' })
      .meta({
        description:
          'Value of the visibility field -> deal kind (private | partner-led | co-sell), compared trimmed and case-insensitive.',
      }),
    helpTypes: z.record(z.string().min(1), z.string().min(1)).default({}).meta({
      description: 'CRM help type value -> value sent to Partner Center; unlisted values are sent as written.',
    }),
    // UNCONFIRMED: the API documents requirements.additionalRequirements.attributes[{id,type}] but
    // not the type under which the help request travels. Configurable so a sandbox finding needs no release.
    helpAttributeType: z.string().min(1).default('MicrosoftHelp').meta({
      description:
        'details.requirements.additionalRequirements.attributes[].type carrying the help request (UNCONFIRMED).',
    }),
    consentToContact: z.boolean().default(false).meta({
      description: 'consent.consentToContact sent with every shared deal: the customer agreed to be contacted.',
    }),
    labels: ShareLabels,
  })
  .prefault({})
  .meta({ description: 'Sharing CRM opportunities with Microsoft as new Partner Center referrals (co-sell).' });
export type ShareRules = z.infer<typeof ShareRules>;
