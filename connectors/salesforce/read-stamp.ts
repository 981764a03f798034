import { z } from 'zod';
import type { OpportunityStamp } from '../../src/ports/crm.ts';
import { parseResponse, type SalesforceSession } from './salesforce-session.ts';

/** Salesforce answers these for a record that is not there (any more). */
const GONE = new Set(['NOT_FOUND', 'ENTITY_IS_DELETED']);
const Stamp = z.looseObject({ Id: z.string(), SystemModstamp: z.string() });

/**
 * One `GET /sobjects/<object>/<externalIdField>/<referralId>?fields=Id,SystemModstamp`: the
 * opportunity by its external id (docs/crm-reads-by-key.md), or null.
 */
export async function readStamp(
  session: SalesforceSession,
  o: { objectName: string; externalIdField: string },
  referralId: string,
): Promise<OpportunityStamp | null> {
  const url = `/sobjects/${o.objectName}/${o.externalIdField}/${encodeURIComponent(referralId)}?fields=Id,SystemModstamp`;
  const r = await session.attempt({ method: 'GET', url });
  if (!r.ok) {
    if (r.failure.kind === 'api' && r.failure.code !== undefined && GONE.has(r.failure.code)) return null;
    throw session.toError(r.failure, { object: o.objectName });
  }
  const row = parseResponse(Stamp, r.body, `${o.objectName} read by ${o.externalIdField}`);
  return { crmId: row.Id, modstamp: row.SystemModstamp };
}
