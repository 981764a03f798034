import type { SalesforceConnector } from '../../../connectors/salesforce/index.ts';
import { soqlString } from '../../../connectors/salesforce/soql.ts';
import { NotFoundError } from '../../../src/errors.ts';
import type { CrmKind, FieldValue } from '../../../src/ports/crm.ts';

/*
 * The opportunity as it stands in the CRM, for the studio's preview (issue 17): one describe and
 * one SOQL read by the referral's external id. Reads only. Fields the org does not have are left
 * out of the query (the live checks name them), so one missing field does not hide the rest.
 * Dataverse is not read yet (undefined: the preview shows no CRM column).
 */
export function opportunityReader(sf: Pick<SalesforceConnector, 'describe' | 'query' | 'settings'> | undefined) {
  return async (
    crm: CrmKind,
    referralId: string,
    fields: string[],
  ): Promise<Record<string, FieldValue> | null | undefined> => {
    if (crm !== 'salesforce' || !sf) return undefined;
    const { objectName, externalIdField } = sf.settings;
    let known: Set<string>;
    try {
      known = new Set((await sf.describe(objectName)).fields.map((f) => f.name.toLowerCase()));
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
    const present = fields.filter((f) => known.has(f.toLowerCase()));
    const select = ['Id', ...present.filter((f) => f.toLowerCase() !== 'id')].join(', ');
    const rows = await sf.query(
      `SELECT ${select} FROM ${objectName} WHERE ${externalIdField} = ${soqlString(referralId)} LIMIT 1`,
    );
    const row = rows[0];
    if (!row) return null;
    const out: Record<string, FieldValue> = {};
    for (const f of present) {
      const v = (row as Record<string, unknown>)[f];
      out[f] = typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : null;
    }
    return out;
  };
}
