import type { Referral } from '../domain/referral.ts';
import type { CrmKind } from './crm.ts';

/** What we last did for a referral on the CRM side. Kept per referral in Redis. */
export interface ReferralSyncState {
  /** eTag of the referral version last written to the CRM. */
  eTag: string;
  /** Stable hash of the mapped draft last written; equal hash = nothing to write. */
  draftHash: string;
  /** Per-field hashes of the values last written (draft-hash.ts fieldHashes); absent in older state. */
  fieldHashes?: Record<string, string> | undefined;
  crm: CrmKind;
  /** CRM record id once the first upsert succeeded. */
  crmId: string;
  /**
   * 'lead': crmId is a Lead (issue 16), until the seller converts it; absent: an opportunity
   * (every state written before leads existed).
   */
  record?: 'lead' | undefined;
  /** True once `externalReferenceId` in Partner Center holds crmId. */
  writtenBack: boolean;
  /**
   * What the last CRM write did while its write-back is still to come: a job retried after a
   * failed write-back reports the write it finished ('created'), not 'unchanged'.
   */
  pendingOutcome?: 'created' | 'updated' | undefined;
  /** ISO time of the last successful write. */
  syncedAt: string;
  /** The mapping version the last write used (issue 17); absent before versions existed. */
  mappingVersion?: number | undefined;
}

/** Latest known copy of each referral, written by the pull job, read by sync and expiry jobs. */
export interface ReferralStore {
  /**
   * Stores referrals and indexes them by status (for the expiry scan). `statusUnchanged`: the
   * caller knows each status is the one stored (our own write-back's echo), so the index is not
   * touched.
   */
  putMany(referrals: Referral[], opts?: { statusUnchanged?: boolean }): Promise<void>;
  get(id: string): Promise<Referral | null>;
  /** Ids of referrals whose last known status is `status` (e.g. 'New'). */
  idsWithStatus(status: string): Promise<string[]>;
}

export interface SyncStateStore {
  get(referralId: string): Promise<ReferralSyncState | null>;
  put(referralId: string, state: ReferralSyncState): Promise<void>;
}

/** A referral that could not be synced and needs a human; shown on the dashboard. */
export interface ParkedReferral {
  referralId: string;
  /** Names the field/rule at fault, e.g. `salesforce.fields.CloseDate: ...`. */
  reason: string;
  /** Which stage failed: 'validate', 'map', 'crm', 'write-back', 'push', 'expiry'. */
  stage: string;
  at: string;
  /** The field at fault, when the failure names one (src/domain/fault.ts). */
  field?: string | undefined;
  /** Its offending value, already masked for display; absent when unknown or a contact detail. */
  value?: string | undefined;
  /** Job attempts spent before it was parked, when a job parked it. */
  attempts?: number | undefined;
  /** Deal and customer names, for a referral that is not in the referral store (failed validation). */
  dealName?: string | undefined;
  customerName?: string | undefined;
}

/** One step of a parked referral's history: each time it was parked, and each replay. */
export type ParkEvent =
  | ({ kind: 'parked' } & ParkedReferral)
  | { kind: 'replayed'; referralId: string; at: string; by: string; jobId: string };

export interface ParkingLot {
  park(item: ParkedReferral): Promise<void>;
  /** Removes the referral from the lot (after a successful sync or a replay). */
  release(referralId: string): Promise<void>;
  /** Whether the referral is parked now. */
  has(referralId: string): Promise<boolean>;
  list(limit?: number): Promise<ParkedReferral[]>;
  /**
   * Takes a parked referral off the list for good, recording who and why; it stays visible among
   * the dismissed. False when it is not parked.
   */
  dismiss(referralId: string, by: { who: string; why: string; at: string }): Promise<boolean>;
  /** Dismissed referrals, newest first. */
  dismissed(limit?: number): Promise<DismissedReferral[]>;
  /** Records a replay (who, which job), so a referral parked again says so. */
  noteReplay(referralId: string, replay: { at: string; by: string; jobId: string }): Promise<void>;
  /** The referral's parks and replays, oldest first (the last few dozen, for some weeks). */
  history(referralId: string): Promise<ParkEvent[]>;
}

export interface DismissedReferral extends ParkedReferral {
  dismissedBy: string;
  dismissedWhy: string;
  dismissedAt: string;
}

/** The pull job's high-water mark: the greatest updatedDateTime safely queued. */
export interface Checkpoint {
  get(): Promise<Date | null>;
  /** Moves the mark forward only; an older value is ignored (atomic against concurrent pulls). */
  advance(to: Date): Promise<void>;
}
