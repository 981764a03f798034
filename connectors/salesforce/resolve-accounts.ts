import { ValidationError, type SyncError } from '../../src/errors.ts';
import type { AccountDraft, FieldValue, OpportunityDraft } from '../../src/ports/crm.ts';
import type { AccountDirectory, AccountOutcome } from '../shared/account-directory.ts';
import { accountKey, accountKeyFromRecord, matchSignature } from './account-key.ts';
import type { SalesforceSession } from './salesforce-session.ts';
import { ApiName } from './salesforce-options.ts';
import { queryAll, type SfFields } from './sobject-writes.ts';
import { chunkConditions, soqlLiteral, soqlString } from './soql.ts';
import { wellFormed, wellFormedFields } from '../../src/text/well-formed.ts';

/** How a draft gets its Account: a known id, a new customer created by key in the write, or an error. */
export type AccountPlan =
  | { kind: 'id'; key: string; accountId: string }
  | { kind: 'create'; key: string }
  | { kind: 'failed'; error: SyncError };

export interface AccountResolution {
  /** Per draft index that names an account. */
  plans: Map<number, AccountPlan>;
  /** Values for creating customer `key` (the key field included) and the first referral asking. */
  creation(key: string): { record: SfFields; referralId: string } | undefined;
  /** A creation of this call already settled (a later chunk of the same call reuses it). */
  created(key: string): AccountOutcome | undefined;
  /** Ends this call's claim on `key`: successes are cached and shared with waiting batches. */
  settle(key: string, outcome: AccountOutcome): void;
  /** The cached id of `key` may be stale (a write using it failed): look it up again next time. */
  forget(key: string): void;
  /** Releases claims never settled (call `finally`): waiting batches then resolve them. */
  close(): void;
}

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
 * Plans the Account of every draft that names one, writing nothing: keys the directory knows
 * (cache, or a concurrent batch) need no call; the rest are claimed and looked up with one SOQL
 * query per ~12k characters of match conditions (a human's account matching the fields wins);
 * customers still not found are to be created by key in the same call as their opportunities.
 */
export async function resolveAccounts(
  session: SalesforceSession,
  keyField: string,
  drafts: OpportunityDraft[],
  directory: AccountDirectory,
): Promise<AccountResolution> {
  const plans = new Map<number, AccountPlan>();
  const customers = new Map<string, Customer>();
  const keyOfDraft = new Map<number, string>();
  drafts.forEach((d, i) => {
    if (!d.account) return;
    const prepared = prepareCustomer(d.account, d.referralId);
    if (!prepared.ok) {
      plans.set(i, { kind: 'failed', error: prepared.error });
      return;
    }
    keyOfDraft.set(i, prepared.customer.key);
    if (!customers.has(prepared.customer.key)) customers.set(prepared.customer.key, prepared.customer);
  });

  const { known, failed, claimed } = await directory.acquire(customers.keys());
  const open = new Set(claimed);
  const settled = new Map<string, AccountOutcome>();
  const settle = (key: string, outcome: AccountOutcome): void => {
    if (!open.delete(key)) return;
    settled.set(key, outcome);
    directory.settle(key, outcome);
  };
  const close = (): void => {
    directory.release(open);
    open.clear();
  };

  const toCreate = new Map<string, { record: SfFields; referralId: string }>();
  if (open.size > 0) {
    let found: Map<string, string>;
    try {
      found = await findAccounts(
        session,
        keyField,
        claimed.map((k) => customers.get(k) as Customer),
      );
    } catch (err) {
      close();
      throw err;
    }
    for (const key of claimed) {
      const id = found.get(key);
      const c = customers.get(key) as Customer;
      if (id !== undefined) {
        known.set(key, id);
        settle(key, { ok: true, accountId: id });
      } else {
        // Upsert by the key, not insert: another worker creating the same customer hits the same
        // key, and Salesforce's uniqueness turns the race into an update (or a retryable DUPLICATE_VALUE).
        toCreate.set(key, { record: { ...c.create, [keyField]: key }, referralId: c.referralId });
      }
    }
  }
  for (const [i, key] of keyOfDraft) {
    const id = known.get(key);
    const error = failed.get(key);
    plans.set(
      i,
      id !== undefined
        ? { kind: 'id', key, accountId: id }
        : error
          ? { kind: 'failed', error }
          : { kind: 'create', key },
    );
  }
  return {
    plans,
    creation: (key) => toCreate.get(key),
    created: (key) => settled.get(key),
    settle,
    forget: (key) => directory.forget(key),
    close,
  };
}

function prepareCustomer(
  account: AccountDraft,
  referralId: string,
): { ok: true; customer: Customer } | { ok: false; error: SyncError } {
  const entries = Object.entries(account.match);
  if (entries.length === 0)
    return { ok: false, error: new ValidationError(`referral ${referralId}: account.match is empty`) };
  const match: [string, FieldValue][] = [];
  for (const [field, value] of entries) {
    if (!ApiName.safeParse(field).success)
      return {
        ok: false,
        error: new ValidationError(`referral ${referralId}: account.match field '${field}' is not an API name`),
      };
    if (typeof value === 'number' && !Number.isFinite(value))
      return {
        ok: false,
        error: new ValidationError(`referral ${referralId}: account.match.${field} is not a finite number`),
      };
    // Replaced here too, so the account is created with the same value it is matched on (#14).
    const v = typeof value === 'string' ? wellFormed(value.trim()) : value;
    if (typeof v === 'string' && v.length > MAX_WHERE_STRING)
      return {
        ok: false,
        error: new ValidationError(
          `referral ${referralId}: account.match.${field} is longer than ${MAX_WHERE_STRING} characters`,
        ),
      };
    match.push([field, v]);
  }
  return {
    ok: true,
    customer: {
      key: accountKey(Object.fromEntries(match)),
      match,
      create: { ...Object.fromEntries(match), ...wellFormedFields(account.fields) },
      referralId,
    },
  };
}

/** Customer key -> Account Id: a match on the fields (oldest CreatedDate wins), else our key. */
async function findAccounts(
  session: SalesforceSession,
  keyField: string,
  customers: Customer[],
): Promise<Map<string, string>> {
  const byKey = new Map(customers.map((c) => [c.key, c]));
  const selectFields = new Map<string, string>();
  for (const f of ['Id', 'CreatedDate', keyField, ...customers.flatMap((c) => c.match.map(([name]) => name))])
    selectFields.set(f.toLowerCase(), f);
  const head = `SELECT ${[...selectFields.values()].join(', ')} FROM Account WHERE `;
  const tail = ' ORDER BY CreatedDate ASC, Id ASC';
  const conditions = customers.map(
    (c) =>
      `(${c.match.map(([f, v]) => `${f} = ${soqlLiteral(v)}`).join(' AND ')}) OR ${keyField} = ${soqlString(c.key)}`,
  );
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
