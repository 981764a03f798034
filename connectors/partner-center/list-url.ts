import { ValidationError } from '../../src/errors.ts';
import type { ListReferralsQuery } from '../../src/ports/partner-center.ts';

export const REFERRALS_PATH = '/v1.0/engagements/referrals';

/**
 * First page of `GET /v1.0/engagements/referrals` (docs/partner-center-referrals-api.md, "Listing referrals"). OData
 * system options keep
 * their literal `$` as in Microsoft's samples; values are percent-encoded (spaces as %20, not
 * `+`). The date is an unquoted OData DateTimeOffset literal. The pull's keyset paging issues
 * every page as such a first page and relies on `ge` being inclusive (docs/partner-center-paging.md).
 */
export function firstPageUrl(base: string, query: ListReferralsQuery, defaultPageSize: number): string {
  const clauses: string[] = [];
  if (query.updatedSince) clauses.push(`updatedDateTime ge ${query.updatedSince.toISOString()}`);
  if (query.filter) clauses.push(clauses.length > 0 ? `(${query.filter})` : query.filter);
  const params: Array<[string, string]> = [];
  if (clauses.length > 0) params.push(['$filter', clauses.join(' and ')]);
  params.push(['$orderby', query.orderBy ?? 'updatedDateTime asc']);
  params.push(['$top', String(query.pageSize ?? defaultPageSize)]);
  return `${base}${REFERRALS_PATH}?${params.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')}`;
}

/**
 * Resolves `@odata.nextLink` and refuses any other origin than the API's: the next request
 * carries the bearer token. One exception: Microsoft's sample nextLink is `http://` on the API
 * host (get-a-list-of-referrals), so http on the same host is upgraded to https, never the
 * reverse.
 */
export function resolveNextLink(nextLink: string, currentUrl: string, base: string): string {
  let target: URL;
  try {
    target = new URL(nextLink, currentUrl);
  } catch {
    throw new ValidationError('partner-center list response: @odata.nextLink is not a URL');
  }
  const api = new URL(base);
  if (
    target.protocol === 'http:' &&
    api.protocol === 'https:' &&
    target.hostname === api.hostname &&
    target.port === ''
  ) {
    target.protocol = 'https:';
    target.port = api.port;
  }
  if (target.origin !== api.origin) {
    throw new ValidationError(
      `partner-center list response: refusing to follow @odata.nextLink to ${target.origin}, not the API origin ${api.origin}`,
    );
  }
  return target.toString();
}
