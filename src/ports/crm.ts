import type { SyncError } from '../errors.ts';
import type { CrmSnapshot } from '../outbound/crm-snapshot.ts';

export type CrmKind = 'salesforce' | 'dynamics';
export type FieldValue = string | number | boolean | null;

/** How to find or create the customer account an opportunity belongs to. */
export interface AccountDraft {
  /** Field values that identify the account (e.g. Name + BillingCountry). All must match. */
  match: Record<string, FieldValue>;
  /** Field values used when the account has to be created (includes the match fields). */
  fields: Record<string, FieldValue>;
}

/** A referral mapped for one CRM: field API names to values, produced by src/mapping. */
export interface OpportunityDraft {
  referralId: string;
  fields: Record<string, FieldValue>;
  /**
   * Names in `fields` to write only when the record is created (mapping `createOnly`, and
   * `defaultDaysFromNow` dates). The sync drops them from updates of a known record.
   */
  createOnly?: string[];
  account: AccountDraft | null;
  /**
   * Mapping `assignOwnerFromTeam`: the referral team's emails, in order. When it creates the
   * record, the connector makes the first that is an active CRM user the owner. Like a
   * create-only field, the sync leaves it out of updates, so a reassignment in the CRM stays.
   */
  ownerEmails?: string[];
}

export type UpsertResult =
  | { referralId: string; ok: true; crmId: string; created: boolean }
  | { referralId: string; ok: false; error: SyncError };

/** One CRM. Every SDK failure leaves as RetryableError or FatalError (src/errors.ts). */
export interface CrmConnector {
  readonly kind: CrmKind;
  /** Most drafts `upsertOpportunities` takes in one call (Salesforce collections: 200). */
  readonly maxBatchSize: number;
  /**
   * Idempotent: upserts on the referral id held in the configured external-id field/key.
   * Returns one result per draft, in input order. A failure of one record is reported in its
   * result; a failure of the whole call (auth, network, 5xx) is thrown.
   */
  upsertOpportunities(drafts: OpportunityDraft[]): Promise<UpsertResult[]>;
  /**
   * The opportunity holding `referralId` in its external-id field / alternate key, with its last
   * modification time (SystemModstamp / modifiedon); null when there is none. One read by key.
   * The sync asks when it has no state for a referral that was synced before (issue 12: Redis lost
   * its data), to tell who changed last. Works whether or not outbound sync is configured.
   */
  readStamp(referralId: string): Promise<OpportunityStamp | null>;
}

export interface OpportunityStamp {
  crmId: string;
  /** ISO 8601. */
  modstamp: string;
}

/** An expiry warning for one referral's opportunity (issue 5), raised once per level. */
export interface ExpiryWarning {
  referralId: string;
  /** The CRM record id (Salesforce Opportunity Id / Dataverse opportunityid). */
  crmId: string;
  /** Level name as configured, e.g. '72h', '24h', '4h'; 'expired' when Microsoft closed it. */
  level: string;
  /** The response deadline (UTC). */
  deadline: Date;
  /** Subject line for the follow-up task, already formatted in the configured time zone. */
  taskSubject: string;
  /** Longer task body (deal name, link, time left). No customer contact details. */
  taskDescription: string;
  /**
   * false: only the task (a contact-me request), the opportunity's expiry fields stay as they
   * are, so the "expiry level" field keeps naming the last warning level. Absent: true.
   */
  setsLevel?: boolean;
}

/** What one opportunity shows of the expiry alerts already applied to it (issue 20). */
export interface AppliedExpiry {
  /** The opportunity's "expiry level" field as the CRM has it; null when empty. */
  level: string | null;
  /** Of the alerts asked about, those whose follow-up task (keyed per referral and alert) exists. */
  tasks: ReadonlySet<string>;
}

/** Optional CRM capability used by the expiry engine. */
export interface CrmExpiryWriter {
  /**
   * Sets the configured "expires at" and "expiry level" fields on the opportunity and creates
   * one follow-up task for the opportunity owner. Called once per referral and level; must not
   * create a second task if retried after a partial failure (the task carries a unique key).
   */
  applyExpiryWarning(warning: ExpiryWarning): Promise<void>;
  /**
   * Reads back what applyExpiryWarning left on the opportunity: its level field and which of
   * `alerts` (level names, 'contact-me', 'expired') have their task. The expiry engine's memory
   * when Redis lost its own. Read-only; throws RetryableError or FatalError like the writes.
   */
  readAppliedExpiry(q: { referralId: string; crmId: string; alerts: readonly string[] }): Promise<AppliedExpiry>;
}

/** Where outbound polling resumes: the last (modstamp, id) seen, compared as a pair. */
export interface ChangeCursor {
  /** ISO 8601 SystemModstamp / modifiedon. */
  modstamp: string;
  id: string;
}

/** What the sync writes back onto an opportunity (besides the mapped fields of inbound sync). */
export interface CrmStatusWrite {
  /** Stage to set (e.g. 'Closed Lost' when Microsoft expired the referral); absent: untouched. */
  stage?: string;
  /** The sync message field: why a decision was refused or held; null clears it. */
  message?: string | null;
}

/**
 * Optional CRM capability for outbound sync (issue 4). Snapshots are CRM-neutral
 * (src/outbound/crm-snapshot.ts) with `decision` already normalised by the outbound rules.
 */
export interface CrmOutbound {
  /**
   * Opportunities carrying a referral id with modstamp >= (cursor.modstamp - overlapMs), in
   * (modstamp, id) order, every page followed. `cursor` is the greatest pair seen (or the input
   * when nothing came back). Records that cannot be read as a snapshot are reported in `invalid`.
   */
  listChangedSince(
    cursor: ChangeCursor | null,
    overlapMs: number,
  ): Promise<{ snapshots: CrmSnapshot[]; invalid: { crmId: string; error: string }[]; cursor: ChangeCursor | null }>;
  /** One opportunity as a snapshot (re-decide after a 412); null when it no longer exists. */
  getSnapshot(crmId: string): Promise<CrmSnapshot | null>;
  /** Writes stage and/or the sync message on one opportunity. */
  writeStatus(crmId: string, write: CrmStatusWrite): Promise<void>;
}
