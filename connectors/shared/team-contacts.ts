import type { TeamContact } from '../../src/outbound/crm-snapshot.ts';

/** One team member row as a CRM returns it, reduced to what a TeamContact needs; null: no user. */
export interface TeamMemberRow {
  opportunityId: string | null;
  firstName: unknown;
  lastName: unknown;
  email: unknown;
  phoneNumber?: unknown;
}

const text = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null);

/**
 * Pure: team members -> contacts per opportunity id, in row order. A member without an email is
 * left out (Partner Center keys team members by email); a missing first or last name becomes '',
 * a missing phone is left out.
 */
export function groupTeamContacts(rows: readonly (TeamMemberRow | null)[]): Map<string, TeamContact[]> {
  const out = new Map<string, TeamContact[]>();
  for (const row of rows) {
    const email = text(row?.email);
    if (!row?.opportunityId || email === null) continue;
    const list = out.get(row.opportunityId) ?? [];
    const phoneNumber = text(row.phoneNumber);
    list.push({
      firstName: text(row.firstName) ?? '',
      lastName: text(row.lastName) ?? '',
      email,
      ...(phoneNumber === null ? {} : { phoneNumber }),
    });
    out.set(row.opportunityId, list);
  }
  return out;
}

/** Pure: a trimmed non-empty string, else null (ids and names read from CRM rows). */
export const nonEmptyText = text;
