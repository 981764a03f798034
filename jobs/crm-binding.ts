import type { Referral } from '../src/domain/referral.ts';
import type { CrmConnector, CrmExpiryWriter, CrmKind, OpportunityDraft } from '../src/ports/crm.ts';
import type { LeadBinding } from './lead-wiring.ts';
import type { OutboundOptions } from './outbound-queues.ts';
import type { ShareOptions } from './share-queues.ts';

/**
 * One CRM a deployment writes to and what it offers. The runtime, reconcile, doctor and the
 * dashboard's checks all take a list of these (CRM=both: two) plus a router picking one per referral.
 */
export interface CrmBinding<C extends CrmConnector = CrmConnector> {
  connector: C;
  /** The admin's mapping for this CRM applied to one referral; throws MappingError. */
  toDraft: (referral: Referral, now: Date) => OpportunityDraft;
  /** Writes expiry warnings onto the opportunity; absent: the expiry engine only alerts for this CRM. */
  expiry?: CrmExpiryWriter | undefined;
  /**
   * Outbound sync for this CRM (CRM decisions to Partner Center); absent: inbound only (OUTBOUND_SYNC=off,
   * or the mapping names no outbound fields). Whether the poll is scheduled is the runtime's `schedulePolls`.
   */
  outbound?: Omit<OutboundOptions, 'attempts' | 'schedule'> | undefined;
  /** Referrals as CRM Leads (issue 16): the mapping has a lead section for this CRM. */
  lead?: LeadBinding | undefined;
  /** Sharing opportunities with Microsoft (issue 16); absent: off. Scheduled with the polls. */
  share?: Omit<ShareOptions, 'attempts' | 'schedule'> | undefined;
}

/** Picks the CRM a referral goes to (the mapping's routing rules; one CRM: always that one). */
export type CrmRouter = (referral: Referral) => CrmKind;

/** The router of a deployment with one CRM. */
export const routeAllTo =
  (kind: CrmKind): CrmRouter =>
  () =>
    kind;
