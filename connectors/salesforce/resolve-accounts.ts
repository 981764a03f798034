import { FatalError, ValidationError, type SyncError } from '../../src/errors.ts';
import type { AccountDraft, FieldValue, OpportunityDraft } from '../../src/ports/crm.ts';
import { accountKey, accountKeyFromRecord, matchSignature } from './account-key.ts';
import type { SalesforceSession } from './salesforce-session.ts';
import { ApiName } from './salesforce-options.ts';
import { queryAll, upsertMany, type SfFields } from './sobject-writes.ts';
import { chunkConditions, soqlLiteral, soqlString } from './soql.ts';

export type AccountOutcome = { ok: true; accountId: string } | { ok: false; error: SyncError };

interface Customer {
  key: string;
  match: [string, FieldValue][];
  /** Values for a new Account: match values (trimmed) overlaid by the draft's fields. */
  create: SfFields;
  /** First referral asking for this customer, for error messages. */
  referralId: string;
}

/** Salesforce rejects longer strings in a WHERE clause (SOQL limits). */
const MAX_WHERE_STRING = 4000;

/**
 * Finds or creates the Account of every draft that names one, in bulk: one SOQL query per
 * ~12k characters of match conditions, then one upsert (by the key field) for the customers
 * not found. Returns an outcome per draft index that has an account.
 */
export async function resolveAccounts(session: SalesforceSession, keyField: string, drafts: OpportunityDraft[]): Promise<Map<number, AccountOutcome>> {
  const outcomes = new Map<number, AccountOutcome>();
  const customers = new Map<string, Customer>();
  const keyOfDraft = new Map<number, string>();
  drafts.forEach((d, i) => {
    if (!d.account) return;
    const prepared = prepareCustomer(d.account, d.referralId);
    if (!prepared.ok) {
      outcomes.set(i, prepared);
      return;
    }
    keyOfDraft.set(i, prepared.customer.key);
    if (!customers.has(prepared.customer.key)) customers.set(prepared.customer.key, prepared.customer);
  });
  if (customers.size === 0) return outcomes;

  const found = await findAccounts(session, keyField, [...customers.values()]);
  const missing = [...customers.values()].filter((c) => !found.has(c.key));
  const created = new Map<string, AccountOutcome>();
  if (missing.length > 0) {
    // Upsert, not insert: a concurrent worker creating the same customer hits the same key,
    // and Salesforce's uniqueness turns the race into an update (or a retryable DUPLICATE_VALUE).
    const records = missing.map((c) => ({ ...c.create, [keyField]: c.key }));
    const results = await upsertMany(session, 'Account', keyField, records, (i) => ({ object: 'Account', referralId: missing[i]?.referralId }));
    results.forEach((r, i) => {
      const c = missing[i];
      if (c) created.set(c.key, r.ok ? { ok: true, accountId: r.id } : { ok: false, error: r.error });
    });
  }
  for (const [i, key] of keyOfDraft) {
    const id = found.get(key);
    outcomes.set(i, id !== undefined ? { ok: true, accountId: id } : (created.get(key) ?? { ok: false, error: new FatalError('salesforce Account: not resolved') }));
  }
  return outcomes;
}

function prepareCustomer(account: AccountDraft, referralId: string): { ok: true; customer: Customer } | { ok: false; error: SyncError } {
  const entries = Object.entries(account.match);
  if (entries.length === 0) return { ok: false, error: new ValidationError(`referral ${referralId}: account.match is empty`) };
  const match: [string, FieldValue][] = [];
  for (const [field, value] of entries) {
    if (!ApiName.safeParse(field).success) return { ok: false, error: new ValidationError(`referral ${referralId}: account.match field '${field}' is not an API name`) };
    if (typeof value === 'number' && !Number.isFinite(value)) return { ok: false, error: new ValidationError(`referral ${referralId}: account.match.${field} is not a finite number`) };
    const v = typeof value === 'string' ? value.trim() : value;
    if (typeof v === 'string' && v.length > MAX_WHERE_STRING) return { ok: false, error: new ValidationError(`referral ${referralId}: account.match.${field} is longer than ${MAX_WHERE_STRING} characters`) };
    match.push([field, v]);
  }
  return {
    ok: true,
    customer: { key: accountKey(Object.fromEntries(match)), match, create: { ...Object.fromEntries(match), ...account.fields }, referralId },
  };
}

/** Customer key -> Account Id: a match on the fields (oldest CreatedDate wins), else our key. */
async function findAccounts(session: SalesforceSession, keyField: string, customers: Customer[]): Promise<Map<string, string>> {
  const byKey = new Map(customers.map((c) => [c.key, c]));
  const selectFields = new Map<string, string>();
  for (const f of ['Id', 'CreatedDate', keyField, ...customers.flatMap((c) => c.match.map(([name]) => name))]) selectFields.set(f.toLowerCase(), f);
  const head = `SELECT ${[...selectFields.values()].join(', ')} FROM Account WHERE `;
  const tail = ' ORDER BY CreatedDate ASC, Id ASC';
  const conditions = customers.map((c) => `(${c.match.map(([f, v]) => `${f} = ${soqlLiteral(v)}`).join(' AND ')}) OR ${keyField} = ${soqlString(c.key)}`);
  const signatures = new Map<string, string[]>();
  for (const c of customers) {
    const sig = matchSignature(c.match.map(([f]) => f));
    signatures.set(sig.join(',').toLowerCase(), sig);
  }

  const byMatch = new Map<string, string>();
  const byStoredKey = new Map<string, string>();
  for (const group of chunkConditions(head, conditions, tail)) {
    const rows = await queryAll(session, `${head}${group.join(' OR ')}${tail}`, { object: 'Account' });
    for (const row of rows) {
      const id = row.Id;
      if (id === undefined) continue;
      for (const fields of signatures.values()) {
        const k = accountKeyFromRecord(fields, row);
        if (byKey.has(k) && !byMatch.has(k)) byMatch.set(k, id);
      }
      const stored = row[keyField];
      if (typeof stored === 'string' && !byStoredKey.has(stored)) byStoredKey.set(stored, id);
    }
  }
  const found = new Map<string, string>();
  for (const c of customers) {
    const id = byMatch.get(c.key) ?? byStoredKey.get(c.key);
    if (id !== undefined) found.set(c.key, id);
  }
  return found;
}
