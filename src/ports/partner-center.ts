import type { Fault } from '../domain/fault.ts';
import type { JsonPatchOp, Referral } from '../domain/referral.ts';

export interface ListReferralsQuery {
  /** Only referrals with updatedDateTime >= this instant (`$filter=updatedDateTime ge …`). */
  updatedSince?: Date | undefined;
  /** Extra OData filter clauses, ANDed with updatedSince (e.g. `status eq 'New'`). */
  filter?: string | undefined;
  /** Defaults to `updatedDateTime asc` so a checkpoint can advance page by page. */
  orderBy?: string | undefined;
  /** `$top` page size hint; Partner Center may cap it (100 in 2019 docs). */
  pageSize?: number | undefined;
}

/** A referral the API returned that failed validation; kept so it can be parked, not lost. */
export interface InvalidReferral {
  id: string | undefined;
  error: string;
  raw: unknown;
  /** The first field at fault and its (masked) value, for the parked referral's page. */
  fault?: Fault | undefined;
}

export interface ReferralListPage {
  referrals: Referral[];
  invalid: InvalidReferral[];
  /** Whether the service offered a next page (`@odata.nextLink`); absent when the source cannot tell. */
  more?: boolean | undefined;
}

/** The Partner Center Referrals API. Every failure leaves as a SyncError subclass (src/errors.ts). */
export interface PartnerCenterClient {
  /**
   * Lists referrals, following `@odata.nextLink` until the last page (stop early with `return()`:
   * no further page is requested). The pull reads only first pages (keyset paging,
   * docs/partner-center-paging.md) and follows nextLink only within one crowded instant. Each yielded page is
   * validated item by item: invalid items are reported in `invalid`, never thrown, so one bad
   * referral does not stop the others.
   */
  listReferrals(query: ListReferralsQuery): AsyncIterable<ReferralListPage>;
  /** GET one referral; NotFoundError when it does not exist. */
  getReferral(id: string): Promise<Referral>;
  /**
   * JSON Patch with `If-Match: eTag`. Returns the referral as it stands after the patch.
   * A stale eTag raises ConflictError carrying the referral id.
   */
  patchReferral(id: string, ops: JsonPatchOp[], eTag: string): Promise<Referral>;
}

/** Supplies bearer tokens; refreshes silently. A sign-in an admin must redo raises AuthError. */
export interface TokenProvider {
  /**
   * `rejected`: a token the API just answered 401 to although it had not expired (revoked,
   * clock skew). The provider then hands out a newer one, signing in again past any cache.
   */
  getAccessToken(rejected?: string): Promise<string>;
}

/** Creating referrals (issue 16: co-sell referrals shared from the CRM). */
export interface ReferralCreator {
  /**
   * `POST /v1.0/engagements/referrals`. Not idempotent on Partner Center's side: a caller that
   * does not get an answer must look the referral up (findByExternalReference) before sending
   * again. A 400 leaves as ValidationError carrying Partner Center's message (it names the field).
   */
  createReferral(body: unknown): Promise<Referral>;
  /**
   * Referrals whose `externalReferenceId` equals `externalReferenceId`, created at or after
   * `createdSince`. The API documents no server-side filter on externalReferenceId, so this lists
   * the referrals updated since then and matches on our side (docs/partner-center-create-referral.md).
   */
  findByExternalReference(externalReferenceId: string, createdSince: Date): Promise<Referral[]>;
  /**
   * The referrals of one engagement (`$filter=engagementId eq '…'`): for a shared co-sell, our
   * referral and Microsoft's copy, whose status is Microsoft's answer.
   */
  relatedReferrals(engagementId: string): Promise<Referral[]>;
}
