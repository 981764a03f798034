import { type SyncError, ValidationError } from '../../src/errors.ts';
import type { AccountDraft, FieldValue, OpportunityDraft } from '../../src/ports/crm.ts';
import { accountKey, accountKeyOfRow } from './account-key.ts';
import type { DataverseHttp } from './dataverse-http.ts';
import { LogicalName } from './dynamics-options.ts';
import { chunkOr, filterLiteral, MAX_FILTER_CHARS, query } from './odata.ts';
import type { AccountDirectory } from '../shared/account-directory.ts';
import type { KeyedRow, RowOutcome } from './upsert-by-key.ts';
import { wellFormed, wellFormedFields } from '../../src/text/well-formed.ts';

/**
 * A draft's account, by customer key: an existing row (`accountId`), or a new one (`accountId`
 * null) that the caller upserts by its key in the opportunities' `$batch`, ahead of them,
 * binding them to it by that key; or why the draft has none.
 */
type AccountOutcome = { ok: true; key: string; accountId: string | null } | { ok: false; error: SyncError };

export interface AccountPlan {
  outcomes: Map<number, AccountOutcome>;
  /** One upsert by the key column per new customer (an upsert, not a create: see below). */
  create: KeyedRow[];
  /**
   * Ends this call's claims in the directory: each written account's outcome is handed to the
   * calls waiting for that customer (and cached); the rest are released.
   */
  finish(written: ReadonlyMap<string, RowOutcome>): void;
}

export interface AccountSettings {
  entitySet: string;
  keyColumn: string;
}

interface Customer {
  key: string;
  match: [string, FieldValue][];
  /** Columns of a new account: the match values (trimmed) overlaid by the draft's fields. */
  create: Record<string, FieldValue>;
  referralId: string;
}

const MAX_MATCH_VALUE = 1_000;

/**
 * Finds the account of every draft that names one: customers the directory knows cost nothing,
 * customers another call is resolving are waited for (never written twice), the rest are looked
 * up in bulk (one query per ~28k encoded characters of match conditions). A customer not found
 * gets a row to upsert by the key column. Returns an outcome per draft index that has an account.
 */
export async function planAccounts(
  http: DataverseHttp,
  s: AccountSettings,
  drafts: OpportunityDraft[],
  directory: AccountDirectory,
): Promise<AccountPlan> {
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
  if (customers.size === 0) return { outcomes, create: [], finish: () => undefined };

  const acquired = await directory.acquire(customers.keys());
  let found: Map<string, string>;
  try {
    found = await findAccounts(
      http,
      s,
      acquired.claimed.map((k) => customers.get(k) as Customer),
    );
  } catch (err) {
    directory.release(acquired.claimed);
    throw err;
  }
  for (const [key, id] of found) directory.settle(key, { ok: true, accountId: id });
  for (const [i, key] of keyOfDraft) {
    const id = acquired.known.get(key) ?? found.get(key);
    const error = acquired.failed.get(key);
    outcomes.set(i, error ? { ok: false, error } : { ok: true, key, accountId: id ?? null });
  }
  const table = { entitySet: s.entitySet, keyColumn: s.keyColumn, idColumn: 'accountid' };
  // An upsert, not a create: a concurrent worker creating the same customer hits the same key,
  // and the opportunities bind by the key to whichever write made the row.
  const pending = acquired.claimed.filter((k) => !found.has(k));
  const create = pending
    .map((k) => customers.get(k) as Customer)
    .map((c) => ({ table, key: c.key, body: c.create, referralId: c.referralId }));
  const finish = (written: ReadonlyMap<string, RowOutcome>): void => {
    for (const key of pending) {
      const o = written.get(key);
      if (o) directory.settle(key, o.ok ? { ok: true, accountId: o.id } : { ok: false, error: o.error });
    }
    directory.release(pending);
  };
  return { outcomes, create, finish };
}

function prepareCustomer(account: AccountDraft, referralId: string): Customer | { error: SyncError } {
  const entries = Object.entries(account.match);
  const bad = (why: string) => ({ error: new ValidationError(`referral ${referralId}: account.match ${why}`) });
  if (entries.length === 0) return bad('is empty');
  const match: [string, FieldValue][] = [];
  for (const [field, value] of entries) {
    if (!LogicalName.safeParse(field).success) return bad(`field '${field}' is not a column logical name`);
    if (typeof value === 'number' && !Number.isFinite(value)) return bad(`.${field} is not a finite number`);
    // Replaced here too, so the account is created with the same value it is matched on (#14).
    const v = typeof value === 'string' ? wellFormed(value.trim()) : value;
    if (typeof v === 'string' && v.length > MAX_MATCH_VALUE)
      return bad(`.${field} is longer than ${MAX_MATCH_VALUE} characters`);
    // Dataverse stores an empty text as null, so '' matches (and is written as) null.
    match.push([field, v === '' ? null : v]);
  }
  return {
    key: accountKey(Object.fromEntries(match)),
    match,
    create: { ...Object.fromEntries(match), ...wellFormedFields(account.fields) },
    referralId,
  };
}

/** Customer key -> accountid: a match on the columns (oldest first), else a row holding our key. */
async function findAccounts(
  http: DataverseHttp,
  s: AccountSettings,
  customers: Customer[],
): Promise<Map<string, string>> {
  const wanted = new Set(customers.map((c) => c.key));
  const columns = new Set(['accountid', s.keyColumn, ...customers.flatMap((c) => c.match.map(([f]) => f))]);
  const signatures = new Map(
    customers.map((c) => {
      const fields = c.match.map(([f]) => f).sort();
      return [fields.join(','), fields] as const;
    }),
  );
  const conditions = customers.map(
    (c) =>
      `(${c.match.map(([f, v]) => `${f} eq ${filterLiteral(v)}`).join(' and ')}) or ${s.keyColumn} eq ${filterLiteral(c.key)}`,
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
