import { nonEmptyText as text } from '../shared/team-contacts.ts';
import type { DataverseHttp } from './dataverse-http.ts';
import { chunkOr, MAX_FILTER_CHARS, query, stringLiteral } from './odata.ts';

/**
 * Enabled users by primary email (lower case -> systemuserid), for owners of new opportunities;
 * the first user wins a shared email. Email compares case-insensitively in Dataverse's collation.
 */
export async function activeUsersByEmail(http: DataverseHttp, emails: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const conditions = emails.map((e) => `internalemailaddress eq ${stringLiteral(e)}`);
  for (const ids of chunkOr(conditions, MAX_FILTER_CHARS)) {
    const path = `systemusers${query({ $select: 'systemuserid,internalemailaddress', $filter: `isdisabled eq false and (${ids})`, $orderby: 'createdon asc,systemuserid asc' })}`;
    for await (const page of http.pages(path)) {
      for (const row of page) {
        const email = text(row.internalemailaddress)?.toLowerCase();
        if (email && typeof row.systemuserid === 'string' && !out.has(email)) out.set(email, row.systemuserid);
      }
    }
  }
  return out;
}
