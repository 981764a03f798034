import { ValidationError } from '../../src/errors.ts';
import type { OpportunityStamp } from '../../src/ports/crm.ts';
import type { DataverseHttp } from './dataverse-http.ts';
import { byKey, query } from './odata.ts';

/**
 * One `GET <entitySet>(<alternateKey>='<referralId>')?$select=<idColumn>,modifiedon`: the row by
 * its alternate key (docs/crm-reads-by-key.md), or null. `idColumn` is the table's primary key
 * (opportunityid, leadid); `noun` names the row in errors.
 */
export async function readStamp(
  http: DataverseHttp,
  o: { entitySet: string; alternateKey: string; idColumn?: string; noun?: string },
  referralId: string,
): Promise<OpportunityStamp | null> {
  const idColumn = o.idColumn ?? 'opportunityid';
  const r = await http.attempt(
    {
      method: 'GET',
      path: `${byKey(o.entitySet, o.alternateKey, referralId)}${query({ $select: `${idColumn},modifiedon` })}`,
    },
    referralId,
  );
  if (!r.ok) {
    if (r.failure.status === 404) return null;
    throw r.error;
  }
  const data = r.res.data as Record<string, unknown> | null;
  const crmId = data?.[idColumn];
  const modstamp = data?.modifiedon;
  if (typeof crmId !== 'string' || typeof modstamp !== 'string')
    throw new ValidationError(
      `dynamics ${o.noun ?? 'opportunity'} of referral ${referralId}: ${idColumn} or modifiedon missing from the response`,
    );
  return { crmId: crmId.toLowerCase(), modstamp };
}
