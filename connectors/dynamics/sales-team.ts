import type { TeamContact } from '../../src/outbound/crm-snapshot.ts';
import { groupTeamContacts, nonEmptyText as text } from '../shared/team-contacts.ts';
import type { DataverseHttp } from './dataverse-http.ts';
import { chunkOr, MAX_FILTER_CHARS, query } from './odata.ts';

/*
 * An opportunity's Sales Team (issue 4, "extra team contacts"). In Dynamics 365 Sales the
 * opportunity form's Sales Team subgrid is a list of connections from the opportunity
 * (record1, object type code 3) to users (record2, code 8), each with a connection role of the
 * "Sales Team" category. We read every active connection from an opportunity to a user, with
 * the user's name and primary email; connections to contacts (the Stakeholders subgrid) are
 * not team members.
 *
 * UNCONFIRMED against a live org: that every Sales Team member is a connection in this
 * direction (the reciprocal record has the roles reversed, so filtering on record1 reads each
 * member once), and that orgs which use the opportunity access team instead also keep the
 * connections. Role categories are not filtered: a user connected to the opportunity in
 * another role is counted as a team member too.
 *
 * Connections carry modifiedon, so the poller can find team-only changes, which leave the
 * opportunity's own modifiedon alone.
 */

const OPPORTUNITY = 3;
const SYSTEM_USER = 8;
const BASE = `record1objecttypecode eq ${OPPORTUNITY} and record2objecttypecode eq ${SYSTEM_USER} and statecode eq 0`;
const USER = 'record2id_systemuser';

/** Pure: the queries reading the teams of these opportunities, one per URL-sized group. */
export function teamPaths(opportunityIds: readonly string[]): string[] {
  const conditions = [...new Set(opportunityIds.map((id) => id.toLowerCase()))].map(
    (id) => `_record1id_value eq ${id}`,
  );
  return chunkOr(conditions, MAX_FILTER_CHARS).map(
    (ids) =>
      `connections${query({
        $select: '_record1id_value',
        $filter: `${BASE} and (${ids})`,
        $expand: `${USER}($select=firstname,lastname,internalemailaddress,address1_telephone1)`,
        $orderby: 'createdon asc,connectionid asc',
      })}`,
  );
}

/** Pure: connections from an opportunity to a user changed at or after `since` (ISO 8601). */
export function teamChangedPath(since: string): string {
  return `connections${query({ $select: '_record1id_value,modifiedon', $filter: `${BASE} and modifiedon ge ${since}`, $orderby: 'modifiedon asc,connectionid asc' })}`;
}

/** Pure: connection rows -> contacts per opportunity id (lowercase). A user without email is left out. */
export function teamsByOpportunity(rows: readonly Record<string, unknown>[]): Map<string, TeamContact[]> {
  return groupTeamContacts(
    rows.map((row) => {
      const user = row[USER] as Record<string, unknown> | null | undefined;
      const opportunityId = text(row._record1id_value)?.toLowerCase() ?? null;
      return user
        ? {
            opportunityId,
            firstName: user.firstname,
            lastName: user.lastname,
            email: user.internalemailaddress,
            phoneNumber: user.address1_telephone1,
          }
        : null;
    }),
  );
}

interface TeamChange {
  at: number;
  opportunityId: string;
}

export interface SalesTeams {
  /** Contacts per opportunity id (lowercase); no calls when the mapping turned teams off. */
  read(opportunityIds: readonly string[]): Promise<Map<string, TeamContact[]>>;
  /** Team connections changed at or after `since` (ISO 8601). */
  changedSince(since: string): Promise<TeamChange[]>;
}

export function salesTeams(http: DataverseHttp, enabled: boolean): SalesTeams {
  return {
    async read(opportunityIds) {
      if (!enabled || opportunityIds.length === 0) return new Map();
      const rows: Record<string, unknown>[] = [];
      for (const path of teamPaths(opportunityIds)) for await (const page of http.pages(path)) rows.push(...page);
      return teamsByOpportunity(rows);
    },
    async changedSince(since) {
      if (!enabled) return [];
      const out: TeamChange[] = [];
      for await (const page of http.pages(teamChangedPath(since))) {
        for (const row of page) {
          const opportunityId = text(row._record1id_value)?.toLowerCase();
          const at = typeof row.modifiedon === 'string' ? Date.parse(row.modifiedon) : Number.NaN;
          if (opportunityId && !Number.isNaN(at)) out.push({ at, opportunityId });
        }
      }
      return out;
    },
  };
}
