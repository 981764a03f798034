import { ValidationError } from '../../src/errors.ts';
import type { FieldValue } from '../../src/ports/crm.ts';
import type { DataverseHttp } from './dataverse-http.ts';
import { bindPath, filterLiteral, query } from './odata.ts';

/**
 * The mapping may name `transactioncurrencyid` with an ISO code (e.g. `{ from: details.currency,
 * format: uppercase }`); Dataverse wants the lookup bound to the transactioncurrency row, so the
 * connector swaps the code for `transactioncurrencyid@odata.bind`.
 */
const CURRENCY_COLUMN = 'transactioncurrencyid';
const ISO = /^[A-Z]{3}$/;

export type CurrencyBinder = (
  fields: Record<string, FieldValue>,
  referralId: string,
) => Record<string, unknown> | ValidationError;

/**
 * Looks up the ISO codes the drafts name (one query for the codes not seen before; currencies
 * are set up once per environment, so found ids are kept for the connector's lifetime) and
 * returns a function that rewrites a draft's fields.
 */
export async function currencyBinder(
  http: DataverseHttp,
  cache: Map<string, string>,
  drafts: { fields: Record<string, FieldValue> }[],
): Promise<CurrencyBinder> {
  const codes = new Set<string>();
  for (const d of drafts) {
    const v = d.fields[CURRENCY_COLUMN];
    if (typeof v === 'string' && ISO.test(v.trim().toUpperCase()) && !cache.has(v.trim().toUpperCase()))
      codes.add(v.trim().toUpperCase());
  }
  if (codes.size > 0) {
    const filter = `statecode eq 0 and (${[...codes].map((c) => `isocurrencycode eq ${filterLiteral(c)}`).join(' or ')})`;
    for await (const page of http.pages(
      `transactioncurrencies${query({ $select: 'transactioncurrencyid,isocurrencycode', $filter: filter })}`,
    )) {
      for (const row of page) {
        if (typeof row.isocurrencycode === 'string' && typeof row.transactioncurrencyid === 'string')
          cache.set(row.isocurrencycode.toUpperCase(), row.transactioncurrencyid);
      }
    }
  }
  return (fields, referralId) => {
    if (!Object.hasOwn(fields, CURRENCY_COLUMN)) return fields;
    const { [CURRENCY_COLUMN]: raw, ...rest } = fields;
    // No currency: leave the row's currency as it is (Dataverse needs one on rows with money).
    if (raw === null || raw === '') return rest;
    const code = typeof raw === 'string' ? raw.trim().toUpperCase() : '';
    const id = cache.get(code);
    if (id === undefined)
      return new ValidationError(
        `referral ${referralId}: currency '${String(raw).slice(0, 10)}' is not an active currency in the Dynamics 365 environment`,
      );
    return { ...rest, [`${CURRENCY_COLUMN}@odata.bind`]: bindPath('transactioncurrencies', id) };
  };
}
