import type { CrmSnapshot } from '../../src/outbound/crm-snapshot.ts';
import type { SalesforceSession } from './salesforce-session.ts';
import { queryAll } from './sobject-writes.ts';

/*
 * A single-currency org has no CurrencyIsoCode on its records, so an opportunity there names no
 * currency, and an accept of a lead without one was refused with nothing for the seller to fill
 * in (#15). Every org, single- or multi-currency, has one default (corporate) currency on its
 * Organization row (docs/single-currency-orgs.md); the snapshot takes it when the mapping names
 * no currency field.
 */

/** The org's default currency, read once per connector (it changes only by an admin's hand). */
export function orgCurrencyReader(session: SalesforceSession): () => Promise<string | null> {
  let cached: Promise<string | null> | undefined;
  return () => {
    if (cached) return cached;
    const read = queryAll(session, 'SELECT DefaultCurrencyIsoCode FROM Organization LIMIT 1', {
      object: 'Organization',
    }).then((rows) => {
      const code = rows[0]?.DefaultCurrencyIsoCode;
      return typeof code === 'string' && code !== '' ? code.toUpperCase() : null;
    });
    cached = read;
    // A failed read is not kept: the next poll asks again.
    read.catch(() => {
      if (cached === read) cached = undefined;
    });
    return read;
  };
}

/** Pure: the snapshot with the org's currency where it names none. */
export const withOrgCurrency = (s: CrmSnapshot, currency: string | null): CrmSnapshot =>
  s.currency === null && currency !== null ? { ...s, currency } : s;
