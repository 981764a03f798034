/*
 * What one reconcile sweep costs in API calls (issue 12), from how it lists (jobs/reconcile.ts)
 * and how the connectors page. Token calls are left out (one per token lifetime, shared with the
 * rest of the worker), and so are repairs: each drift costs what one sync or push job costs.
 */

const pages = (items: number, perPage: number): number => Math.max(1, Math.ceil(items / perPage));

export interface PartnerCenterListed {
  new: number;
  active: number;
  /** Closed and updated within the sweep's window. */
  closedRecently: number;
}

export interface CrmListed {
  opportunities: number;
  /** Rows per query page: Salesforce 2,000; Dataverse the connector's maxpagesize (up to 5,000). */
  pageSize: number;
  /** Opportunities whose team one query reads (Salesforce 200); 0 when team reads are off. */
  teamIdsPerQuery: number;
}

/** Partner Center: one listing per status (New, Active, recently Closed), each paged at `pageSize`. */
export const partnerCenterListCalls = (l: PartnerCenterListed, pageSize: number): number =>
  pages(l.new, pageSize) + pages(l.active, pageSize) + pages(l.closedRecently, pageSize);

/** One CRM: every keyed opportunity, then their teams in id-sized groups (one page each). */
export const crmListCalls = (c: CrmListed): number =>
  pages(c.opportunities, c.pageSize) +
  (c.teamIdsPerQuery > 0 && c.opportunities > 0 ? Math.ceil(c.opportunities / c.teamIdsPerQuery) : 0);
