import { decodePageToken, type PageToken } from './paging.ts';
import type { IndexQuery } from './referral-index.ts';

/**
 * The slice of OData the fake understands (docs/partner-center-referrals-api.md, "Listing referrals"): `$filter`
 * clauses joined by `and`
 * — `updatedDateTime ge|gt <ISO>` and `status eq '<value>'` — `$orderby=updatedDateTime asc|desc`,
 * `$top` and `$skiptoken`. Anything else is a 400, so a client sending a filter the fake cannot
 * honour fails loudly instead of getting unfiltered data.
 */
export function parseListQuery(
  params: URLSearchParams,
  maxPageSize: number,
): { ok: true; query: IndexQuery; token?: PageToken; engagementId?: string } | { ok: false; error: string } {
  const query: IndexQuery = { desc: false, top: maxPageSize };
  let engagementId: string | undefined;
  const filter = params.get('$filter');
  if (filter !== null && filter.trim() !== '') {
    for (const rawClause of filter.split(/\s+and\s+/i)) {
      const clause = stripParens(rawClause.trim());
      const since = /^updatedDateTime\s+(ge|gt)\s+'?([^']+?)'?$/i.exec(clause);
      const status = /^status\s+eq\s+'([^']*)'$/i.exec(clause);
      const engagement = /^engagementId\s+eq\s+'([^']*)'$/i.exec(clause);
      if (engagement) {
        engagementId = engagement[1];
      } else if (since) {
        const t = Date.parse(since[2] as string);
        if (Number.isNaN(t)) return { ok: false, error: `bad date in $filter: ${since[2]}` };
        query.since = { t, inclusive: (since[1] as string).toLowerCase() === 'ge' };
      } else if (status) {
        query.status = status[1];
      } else {
        return { ok: false, error: `unsupported $filter clause: ${clause}` };
      }
    }
  }
  const orderBy = params.get('$orderby');
  if (orderBy !== null) {
    const m = /^updatedDateTime(?:\s+(asc|desc))?$/i.exec(orderBy.trim());
    if (!m) return { ok: false, error: `unsupported $orderby: ${orderBy}` };
    query.desc = (m[1] ?? 'asc').toLowerCase() === 'desc';
  }
  const top = params.get('$top');
  if (top !== null) {
    const n = Number(top);
    if (!Number.isInteger(n) || n < 1) return { ok: false, error: `bad $top: ${top}` };
    query.top = Math.min(n, maxPageSize);
  }
  const skip = params.get('$skiptoken');
  const related = engagementId === undefined ? {} : { engagementId };
  if (skip === null) return { ok: true, query, ...related };
  const token = decodePageToken(skip);
  if (!token) return { ok: false, error: 'bad $skiptoken' };
  return { ok: true, query, token, ...related };
}

/** Grouping parentheses carry no meaning when every clause is ANDed. */
const stripParens = (clause: string): string => clause.replace(/^\(+\s*|\s*\)+$/g, '');
