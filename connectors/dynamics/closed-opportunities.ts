import type { DataverseHttp } from './dataverse-http.ts';
import { chunkOr, filterLiteral, MAX_FILTER_CHARS, query } from './odata.ts';

export interface ClosedRow {
  id: string;
  /** 1 Won, 2 Lost (docs/dataverse-api.md, "Opportunity state and status"). */
  statecode: 1 | 2;
}

export interface OpportunityTable {
  entitySet: string;
  alternateKey: string;
}

/**
 * Which of these referral ids belong to a closed (Won/Lost) opportunity. Closed rows are
 * read-only in Dataverse until reopened, so their fields are not written at all; one cheap read
 * per ~300 ids instead of a write that fails the same way on every retry.
 */
export async function closedAmong(
  http: DataverseHttp,
  t: OpportunityTable,
  referralIds: string[],
): Promise<Map<string, ClosedRow>> {
  const closed = new Map<string, ClosedRow>();
  if (referralIds.length === 0) return closed;
  // Keys compare case-insensitively in Dataverse; the caller's spelling is what it looks up.
  const asked = new Map(referralIds.map((r) => [r.toLowerCase(), r]));
  const conditions = [...new Set(referralIds)].map((id) => `${t.alternateKey} eq ${filterLiteral(id)}`);
  for (const ids of chunkOr(conditions, MAX_FILTER_CHARS)) {
    const path = `${t.entitySet}${query({
      $select: ['opportunityid', t.alternateKey, 'statecode'].join(','),
      $filter: `statecode ne 0 and (${ids})`,
    })}`;
    for await (const page of http.pages(path)) {
      for (const row of page) {
        const key = row[t.alternateKey];
        const id = row.opportunityid;
        const state = row.statecode;
        if (typeof key !== 'string' || typeof id !== 'string' || (state !== 1 && state !== 2)) continue;
        closed.set(asked.get(key.toLowerCase()) ?? key, { id, statecode: state });
      }
    }
  }
  return closed;
}
