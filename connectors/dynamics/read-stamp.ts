import { z } from 'zod';
import { ValidationError } from '../../src/errors.ts';
import type { OpportunityStamp } from '../../src/ports/crm.ts';
import type { DataverseHttp } from './dataverse-http.ts';
import { byKey, query } from './odata.ts';

const Stamp = z.looseObject({ opportunityid: z.string(), modifiedon: z.string() });

/**
 * One `GET <entitySet>(<alternateKey>='<referralId>')?$select=opportunityid,modifiedon`: the row
 * by its alternate key (docs/crm-reads-by-key.md), or null.
 */
export async function readStamp(
  http: DataverseHttp,
  o: { entitySet: string; alternateKey: string },
  referralId: string,
): Promise<OpportunityStamp | null> {
  const r = await http.attempt(
    {
      method: 'GET',
      path: `${byKey(o.entitySet, o.alternateKey, referralId)}${query({ $select: 'opportunityid,modifiedon' })}`,
    },
    referralId,
  );
  if (!r.ok) {
    if (r.failure.status === 404) return null;
    throw r.error;
  }
  const parsed = Stamp.safeParse(r.res.data);
  if (!parsed.success)
    throw new ValidationError(
      `dynamics opportunity of referral ${referralId}: opportunityid or modifiedon missing from the response`,
    );
  return { crmId: parsed.data.opportunityid.toLowerCase(), modstamp: parsed.data.modifiedon };
}
