import type { AuditEntry } from '../outbound/audit.ts';
import type { CrmSnapshot } from '../outbound/crm-snapshot.ts';
import type { CrmStatusWritten } from '../outbound/inbound-echo.ts';
import type { PushedValues } from '../outbound/snapshot-values.ts';
import type { ChangeCursor } from './crm.ts';

/**
 * What outbound sync remembers per referral (Redis): the values last pushed to Partner Center or
 * written into the CRM by us (the echo guard), the status last written into the CRM, the latest
 * CRM snapshot (job data carries ids only), and a bounded audit trail.
 */
export interface OutboundStore {
  lastPushed(referralId: string): Promise<PushedValues | null>;
  /** Merges `values` into what is stored. Callers hold the referral's lease (one writer). */
  rememberPushed(referralId: string, values: PushedValues): Promise<void>;
  lastWritten(referralId: string): Promise<CrmStatusWritten | null>;
  putWritten(referralId: string, written: CrmStatusWritten): Promise<void>;
  putSnapshots(snapshots: CrmSnapshot[]): Promise<void>;
  snapshot(referralId: string): Promise<CrmSnapshot | null>;
  /** Appends to the referral's trail, keeping the newest `AUDIT_LIMIT`. */
  audit(entry: AuditEntry): Promise<void>;
  /** Oldest first. */
  history(referralId: string): Promise<AuditEntry[]>;
  /** Whether the opportunity's message field currently shows one of our messages. */
  messageShown(referralId: string): Promise<boolean>;
  setMessageShown(referralId: string, shown: boolean): Promise<void>;
  cursor(crm: string): Promise<ChangeCursor | null>;
  putCursor(crm: string, cursor: ChangeCursor): Promise<void>;
}

export const AUDIT_LIMIT = 200;
