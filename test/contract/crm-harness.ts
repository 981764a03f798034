import type { Referral } from '../../src/domain/referral.ts';
import type {
  CrmConnector,
  CrmExpiryWriter,
  CrmOutbound,
  OpportunityDraft,
  UpsertResult,
} from '../../src/ports/crm.ts';
import type { CrmShare } from '../../src/ports/crm-share.ts';
import { contractReferral, type Customer } from './contract-referrals.ts';

/*
 * What the shared CRM contract (crm-connector.contract.ts) needs from one connector and its
 * fake, in CRM-neutral terms. Each runner (salesforce.contract.test.ts, dynamics.contract.test.ts)
 * translates: its own field names, choice values and seller actions stay in the runner.
 */

/** One opportunity as the fake holds it, read back in neutral terms. */
export interface NeutralOpportunity {
  crmId: string;
  referralId: string;
  /** The customer account it is attached to; null when none. */
  accountId: string | null;
  name: string | null;
  amount: number | null;
  /** The sync message field (CrmStatusWrite.message). */
  message: string | null;
  /** The configured "expiry level" field. */
  expiryLevel: string | null;
  /** The configured "expires at" field (ISO 8601), as stored. */
  expiresAt: string | null;
}

/** What a seller does in the CRM's UI, translated by the runner into that CRM's fields/actions. */
export interface SellerEdit {
  decision?: 'accept' | 'decline';
  /** A decline reason value as the admin configured it (e.g. 'Competitor'). */
  declineReason?: string;
  amount?: number;
  closeWon?: true;
  closeLost?: true;
  /** A user added to the opportunity's team (only the team changes, not the opportunity). */
  addTeamMember?: { firstName: string; lastName: string; email: string };
}

export interface CrmContractHarness {
  readonly connector: CrmConnector & CrmExpiryWriter & CrmOutbound & CrmShare;
  /** A seller's opportunity with account and contact, flagged to share with Microsoft (unless flag: false). */
  sellerSharesOpportunity(o: ShareSetup): Promise<string>;
  /** The share link field of an opportunity. */
  linkOf(crmId: string): string | null;
  /** The default mapping (config/mapping.default.yaml) applied for this CRM. */
  draftFor(referral: Referral, now: Date): OpportunityDraft;
  /** Opportunities carrying a referral id. */
  opportunities(): NeutralOpportunity[];
  /** Customer accounts in the CRM. */
  accountCount(): number;
  sellerEdits(crmId: string, edit: SellerEdit): Promise<void>;
  /** A seller creates an opportunity of their own in the CRM (no referral id). */
  sellerCreates(name: string): void;
  /** Follow-up tasks linked to the opportunity. */
  tasksFor(crmId: string): { subject: string }[];
  /** Every access token the CRM issued so far stops working (expired or revoked). */
  expireSession(): void;
  /** The next write call (any object) answers this status as a whole. */
  failNextWrite(status: 500 | 503): void;
  /** The next write of this referral's opportunity is rejected by the CRM with this message. */
  rejectNextWriteOf(referralId: string, crmMessage: string): void;
  /** A well-formed id of an opportunity that does not exist. */
  readonly unknownCrmId: string;
  close(): Promise<void>;
}

export type MakeHarness = () => Promise<CrmContractHarness>;

/** What a seller fills in to share an opportunity (issue 16), in neutral terms. */
export interface ShareSetup {
  name: string;
  amount: number;
  closeDate: string;
  customerName: string;
  country: string;
  contact: { firstName: string; lastName: string; email: string } | null;
  solutions: string;
  helpType: string;
  flag?: boolean;
}

export const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);
export const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);

/** Drafts of contract referrals `[n, customer]`, mapped by the harness's default mapping. */
export const draftsOf = (h: CrmContractHarness, ...specs: [number, Customer][]): OpportunityDraft[] =>
  specs.map(([n, c]) => h.draftFor(contractReferral(n, c), new Date()));

/** The CRM ids of results that must all have succeeded. */
export function okIds(results: UpsertResult[]): string[] {
  return results.map((r) => {
    if (!r.ok) throw new Error(`upsert of ${r.referralId} failed: ${r.error.message}`);
    return r.crmId;
  });
}

/** Setup: upserts drafts of `[n, customer]` and returns them with their CRM ids. */
export async function synced(
  h: CrmContractHarness,
  ...specs: [number, Customer][]
): Promise<{ drafts: OpportunityDraft[]; ids: string[] }> {
  const drafts = draftsOf(h, ...specs);
  return { drafts, ids: okIds(await h.connector.upsertOpportunities(drafts)) };
}

/** What the sync sends for a referral it already synced: create-only fields dropped (sync-referral.ts). */
export function asUpdate(draft: OpportunityDraft): OpportunityDraft {
  const skip = new Set(draft.createOnly ?? []);
  return {
    referralId: draft.referralId,
    fields: Object.fromEntries(Object.entries(draft.fields).filter(([name]) => !skip.has(name))),
    account: draft.account,
  };
}

export const byReferral = (h: CrmContractHarness): Map<string, NeutralOpportunity> =>
  new Map(h.opportunities().map((o) => [o.referralId, o]));

/** The contract's cases, by id (each test title names its id). */
export const CONTRACT_CASES = [
  'creates-new',
  'upsert-idempotent',
  'reuses-account',
  'closed-stays-closed',
  'session-renewed',
  'whole-call-5xx',
  'one-invalid-record',
  'lists-all',
  'seller-edit-since-cursor',
  'won-lost',
  'status-message',
  'status-on-closed',
  'message-on-won',
  'get-snapshot',
  'team-member-added',
  'expiry-once-per-level',
  'share-lists-flagged',
  'share-link',
  'share-without-contact',
  'share-unknown',
] as const;
export type ContractCase = (typeof CONTRACT_CASES)[number];

/** Registers one case; the body gets the harness of the running test (fresh per test). */
export type ContractTest = (id: ContractCase, title: string, fn: (h: CrmContractHarness) => Promise<void>) => void;
