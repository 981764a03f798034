import { FatalError, RetryableError, type SyncError, ValidationError } from '../../src/errors.ts';
import type { AccountDraft, FieldValue, OpportunityDraft } from '../../src/ports/crm.ts';
import { accountKey, accountKeyOfRow } from './account-key.ts';
import type { DataverseHttp } from './dataverse-http.ts';
import { LogicalName } from './dynamics-options.ts';
import { chunkOr, filterLiteral, query } from './odata.ts';
import { upsertByKey, type RowOutcome } from './upsert-by-key.ts';

export type AccountOutcome = { ok: true; accountId: string } | { ok: false; error: SyncError };

export interface AccountSettings {
  entitySet: string;
  keyColumn: string;
  maxBatch: number;
}

interface Customer {
  key: string;
  match: [string, FieldValue][];
  /** Columns of a new account: the match values (trimmed) overlaid by the draft's fields. */
  create: Record<string, FieldValue>;
  referralId: string;
}

/** Encoded `$filter` per query: with select and paths, well under the 32,768-character URL limit. */
const MAX_FILTER_CHARS = 28_000;
const MAX_MATCH_VALUE = 1_000;

/**
 * Finds or creates the account of every draft that names one, in bulk: one query per ~28k
 * encoded characters of match conditions, then one upsert by the key column for the customers not
 * found. Returns an outcome per draft index that has an account.
 */
export async function resolveAccounts(http: DataverseHttp, s: AccountSettings, drafts: OpportunityDraft[]): Promise<Map<number, AccountOutcome>> {
  const outcomes = new Map<number, AccountOutcome>();
  const customers = new Map<string, Customer>();
  const keyOfDraft = new Map<number, string>();
  drafts.forEach((d, i) => {
    if (!d.account) return;
    const prepared = prepareCustomer(d.account, d.referralId);
    if ('error' in prepared) {
      outcomes.set(i, { ok: false, error: prepared.error });
      return;
    }
    keyOfDraft.set(i, prepared.key);
    if (!customers.has(prepared.key)) customers.set(prepared.key, prepared);
  });
  if (customers.size === 0) return outcomes;

  const found = await findAccounts(http, s, [...customers.values()]);
  const missing = [...customers.values()].filter((c) => !found.has(c.key));
  const table = { entitySet: s.entitySet, keyColumn: s.keyColumn, idColumn: 'accountid', maxBatch: s.maxBatch };
  const rows = missing.map((c) => ({ key: c.key, body: c.create, referralId: c.referralId }));
  // An upsert, not a create: a concurrent worker creating the same customer hits the same key.
  let created: RowOutcome[] = await upsertByKey(http, table, rows);
  const raced = created.flatMap((o, i) => (!o.ok && o.error instanceof RetryableError ? [i] : []));
  if (raced.length > 0) {
    // Two creates of one key at the same instant: the loser gets 0x80060892. Once more now
    // updates the winner's row, instead of failing every opportunity of that customer.
    const again = await upsertByKey(http, table, raced.map((i) => rows[i] as (typeof rows)[number]));
    created = created.map((o, i) => (raced.includes(i) ? (again[raced.indexOf(i)] ?? o) : o));
  }
  const byKey = new Map(missing.map((c, i) => [c.key, created[i]]));
  for (const [i, key] of keyOfDraft) {
    const id = found.get(key);
    const made = byKey.get(key);
    if (id !== undefined) outcomes.set(i, { ok: true, accountId: id });
    else if (made?.ok) outcomes.set(i, { ok: true, accountId: made.id });
    else outcomes.set(i, { ok: false, error: made?.error ?? new FatalError('dynamics account: not resolved') });
  }
  return outcomes;
}

function prepareCustomer(account: AccountDraft, referralId: string): Customer | { error: SyncError } {
  const entries = Object.entries(account.match);
  const bad = (why: string) => ({ error: new ValidationError(`referral ${referralId}: account.match ${why}`) });
  if (entries.length === 0) return bad('is empty');
  const match: [string, FieldValue][] = [];
  for (const [field, value] of entries) {
    if (!LogicalName.safeParse(field).success) return bad(`field '${field}' is not a column logical name`);
    if (typeof value === 'number' && !Number.isFinite(value)) return bad(`.${field} is not a finite number`);
    const v = typeof value === 'string' ? value.trim() : value;
    if (typeof v === 'string' && v.length > MAX_MATCH_VALUE) return bad(`.${field} is longer than ${MAX_MATCH_VALUE} characters`);
    // Dataverse stores an empty text as null, so '' matches (and is written as) null.
    match.push([field, v === '' ? null : v]);
  }
  return { key: accountKey(Object.fromEntries(match)), match, create: { ...Object.fromEntries(match), ...account.fields }, referralId };
}

/** Customer key -> accountid: a match on the columns (oldest first), else a row holding our key. */
async function findAccounts(http: DataverseHttp, s: AccountSettings, customers: Customer[]): Promise<Map<string, string>> {
  const wanted = new Set(customers.map((c) => c.key));
  const columns = new Set(['accountid', s.keyColumn, ...customers.flatMap((c) => c.match.map(([f]) => f))]);
  const signatures = new Map(customers.map((c) => {
    const fields = c.match.map(([f]) => f).sort();
    return [fields.join(','), fields] as const;
  }));
  const conditions = customers.map(
    (c) => `(${c.match.map(([f, v]) => `${f} eq ${filterLiteral(v)}`).join(' and ')}) or ${s.keyColumn} eq ${filterLiteral(c.key)}`,
  );
  const byMatch = new Map<string, string>();
  const byStoredKey = new Map<string, string>();
  for (const filter of chunkOr(conditions, MAX_FILTER_CHARS)) {
    const path = `${s.entitySet}${query({ $select: [...columns].join(','), $filter: filter, $orderby: 'createdon asc,accountid asc' })}`;
    for await (const page of http.pages(path)) {
      for (const row of page) {
        const id = row.accountid;
        if (typeof id !== 'string') continue;
        for (const fields of signatures.values()) {
          const k = accountKeyOfRow(fields, row);
          if (wanted.has(k) && !byMatch.has(k)) byMatch.set(k, id);
        }
        const stored = row[s.keyColumn];
        if (typeof stored === 'string' && !byStoredKey.has(stored)) byStoredKey.set(stored, id);
      }
    }
  }
  const found = new Map<string, string>();
  for (const c of customers) {
    const id = byMatch.get(c.key) ?? byStoredKey.get(c.key);
    if (id !== undefined) found.set(c.key, id);
  }
  return found;
}
