import type { CrmKind } from './crm.ts';

/** What is remembered of one opportunity's share (issue 16), keyed by CRM and opportunity id. */
export interface ShareAttempt {
  /** ISO time the first create was sent: a lookup for a lost answer searches from here. */
  firstAttemptAt: string;
  /** Creates sent so far (a retry sends again only after a lookup found nothing). */
  attempts: number;
  /** The referral, once Partner Center's answer or a lookup named it. */
  referralId?: string | undefined;
  /** Deal kind sent (private | partner-led | co-sell). */
  kind?: string | undefined;
  /** ISO time the opportunity got the referral key. */
  linkedAt?: string | undefined;
  /** Microsoft's answer to a co-sell request last shown on the opportunity (status/substatus of its copy). */
  microsoftAnswer?: string | undefined;
}

export interface ShareStore {
  attempt(crm: CrmKind, crmId: string): Promise<ShareAttempt | null>;
  /**
   * Written before every create is sent (so a lost answer is looked up, never sent blind again)
   * and when the referral is known and linked. Callers hold the opportunity's lease.
   */
  putAttempt(crm: CrmKind, crmId: string, attempt: ShareAttempt): Promise<void>;
  /** After Partner Center refused a create (400): nothing exists to look up. */
  clearAttempt(crm: CrmKind, crmId: string): Promise<void>;
  /** The request version whose refusal the opportunity shows (no rewrite of the same message). */
  refused(crm: CrmKind, crmId: string): Promise<string | null>;
  putRefused(crm: CrmKind, crmId: string, version: string | null): Promise<void>;
  /** Opportunities whose co-sell request still waits for Microsoft's answer. */
  awaitingAnswer(crm: CrmKind): Promise<string[]>;
  setAwaiting(crm: CrmKind, crmId: string, awaiting: boolean): Promise<void>;
}
