import { nonEmptyText as text } from '../shared/team-contacts.ts';
import type { SalesforceSession } from './salesforce-session.ts';
import { queryAll } from './sobject-writes.ts';
import { soqlString } from './soql.ts';

/** Emails per `Email IN (…)` query: 200 addresses stay far below the URI length limit. */
const EMAILS_PER_QUERY = 200;

/** Active users by email (lower case -> Id), for owners of new opportunities; the first user wins a shared email. */
export async function activeUsersByEmail(
  session: SalesforceSession,
  emails: readonly string[],
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (let i = 0; i < emails.length; i += EMAILS_PER_QUERY) {
    const soql = `SELECT Id, Email FROM User WHERE IsActive = true AND Email IN (${emails
      .slice(i, i + EMAILS_PER_QUERY)
      .map(soqlString)
      .join(', ')}) ORDER BY CreatedDate, Id`;
    for (const row of await queryAll(session, soql, { object: 'User' })) {
      const email = text(row.Email)?.toLowerCase();
      if (email && typeof row.Id === 'string' && !out.has(email)) out.set(email, row.Id);
    }
  }
  return out;
}
