import type { Logger } from '../../src/log/logger.ts';
import type { TeamContact } from '../../src/outbound/crm-snapshot.ts';
import { groupTeamContacts, nonEmptyText as text } from '../shared/team-contacts.ts';
import { queryAllUnlessMissing, type SfRow } from './sobject-writes.ts';
import type { SalesforceSession } from './salesforce-session.ts';
import { soqlDateTime, soqlString } from './soql.ts';

/*
 * The Opportunity Team (issue 4, "extra team contacts"): OpportunityTeamMember rows with their
 * User's name and email. The object exists only in orgs with Team Selling on; without it the
 * reader warns once and every team reads as empty, so the rest of outbound sync carries on.
 *
 * A team change does not touch the Opportunity's SystemModstamp, so the poller also asks which
 * team rows changed since its cursor (`changedSince`) and re-reads those opportunities.
 */

const TEAM_OBJECT = 'OpportunityTeamMember';

/** Opportunity ids per query: 200 quoted 18-char ids stay far below the URI length limit. */
const IDS_PER_QUERY = 200;

/** Pure: the team members of these opportunities, oldest first (the order sellers added them). */
export function teamSoql(opportunityIds: readonly string[]): string {
  return (
    `SELECT OpportunityId, User.FirstName, User.LastName, User.Email, User.Phone FROM ${TEAM_OBJECT} ` +
    `WHERE OpportunityId IN (${opportunityIds.map(soqlString).join(', ')}) ORDER BY CreatedDate, Id`
  );
}

/** Pure: team rows added or changed at or after `since`. */
export function teamChangedSoql(since: Date): string {
  return `SELECT OpportunityId, SystemModstamp FROM ${TEAM_OBJECT} WHERE SystemModstamp >= ${soqlDateTime(since)} ORDER BY SystemModstamp, Id`;
}

/**
 * Pure: rows -> contacts per opportunity id. A member whose User has no email is left out
 * (Partner Center keys team members by email); a missing first name becomes ''.
 */
export function teamsByOpportunity(rows: readonly SfRow[]): Map<string, TeamContact[]> {
  return groupTeamContacts(
    rows.map((row) => {
      const user = row.User as Record<string, unknown> | null | undefined;
      return user
        ? {
            opportunityId: text(row.OpportunityId),
            firstName: user.FirstName,
            lastName: user.LastName,
            email: user.Email,
            phoneNumber: user.Phone,
          }
        : null;
    }),
  );
}

/** A (SystemModstamp ms, OpportunityId) pair of a changed team row. */
interface TeamChange {
  ms: number;
  opportunityId: string;
}

export interface OpportunityTeams {
  /** Contacts per opportunity id; an opportunity without a team is absent. Empty when Team Selling is off. */
  read(opportunityIds: readonly string[]): Promise<Map<string, TeamContact[]>>;
  /** Team rows changed at or after `since`, in stamp order; empty when Team Selling is off. */
  changedSince(since: Date): Promise<TeamChange[]>;
}

/** Reads teams through the session; `enabled` false (mapping) or a missing object: no calls, no teams. */
export function opportunityTeams(session: SalesforceSession, enabled: boolean, log?: Logger): OpportunityTeams {
  let available = enabled;
  const query = async (soql: string): Promise<SfRow[]> => {
    if (!available) return [];
    const rows = await queryAllUnlessMissing(session, soql, { object: TEAM_OBJECT });
    if (rows !== 'missing-object') return rows;
    available = false;
    log?.warn(
      { object: TEAM_OBJECT },
      'salesforce: OpportunityTeamMember is not available (Team Selling off, or no access); team contacts are not synced. ' +
        'Turn Team Selling on and restart the worker, or set salesforce.outbound.teamMembers: false to silence this',
    );
    return [];
  };
  return {
    async read(opportunityIds) {
      const ids = [...new Set(opportunityIds)];
      const rows: SfRow[] = [];
      for (let i = 0; i < ids.length && available; i += IDS_PER_QUERY)
        rows.push(...(await query(teamSoql(ids.slice(i, i + IDS_PER_QUERY)))));
      return teamsByOpportunity(rows);
    },
    async changedSince(since) {
      const out: TeamChange[] = [];
      for (const row of await query(teamChangedSoql(since))) {
        const ms = typeof row.SystemModstamp === 'string' ? Date.parse(row.SystemModstamp) : Number.NaN;
        const opportunityId = text(row.OpportunityId);
        if (opportunityId !== null && !Number.isNaN(ms)) out.push({ ms, opportunityId });
      }
      return out;
    },
  };
}
