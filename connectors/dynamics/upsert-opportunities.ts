import { type SyncError, ValidationError } from '../../src/errors.ts';
import type { Logger } from '../../src/log/logger.ts';
import type { OpportunityDraft, UpsertResult } from '../../src/ports/crm.ts';
import type { OwnerDirectory } from '../shared/owner-directory.ts';
import { closedAmong, type ClosedRow } from './closed-opportunities.ts';
import { currencyBinder } from './currencies.ts';
import type { DataverseHttp } from './dataverse-http.ts';
import { bindPath, bindPathByKey, unkeyableResults } from './odata.ts';
import type { AccountDirectory } from '../shared/account-directory.ts';
import { planAccounts } from './resolve-accounts.ts';
import { upsertByKey, type KeyedRow, type RowOutcome } from './upsert-by-key.ts';

/** An UpsertResult; `skipped` says the row exists but was left alone, and why. */
export type DynamicsUpsertResult = UpsertResult & { skipped?: 'closed-won' | 'closed-lost' };

export interface UpsertSettings {
  entitySet: string;
  alternateKey: string;
  accountEntitySet: string;
  accountKeyColumn: string;
  maxBatch: number;
  /** ISO code -> transactioncurrencyid, kept for the connector's lifetime. */
  currencies: Map<string, string>;
  /**
   * Customer accounts of this environment, for the connector's lifetime: known ids skip the
   * lookup, and a customer another call is resolving or creating is waited for instead of being
   * written twice (two full batches in flight at start-up both saw it missing).
   */
  accounts: AccountDirectory;
  /** Owners of new opportunities from the referral team's emails (mapping assignOwnerFromTeam). */
  owners?: OwnerDirectory | undefined;
}

/**
 * Upserts drafts by the alternate key: one draft -> one PATCH, several -> `$batch`. Accounts
 * are looked up first, in bulk; new ones are upserted in the same `$batch`, ahead of the
 * drafts. Closed (Won/Lost) opportunities are read-only: they are not written and come back ok
 * with `skipped`, so the sync records them as done instead of retrying a write that cannot
 * succeed. Results are per draft, in input order.
 */
export async function upsertOpportunities(
  http: DataverseHttp,
  s: UpsertSettings,
  drafts: OpportunityDraft[],
  log?: Logger,
): Promise<DynamicsUpsertResult[]> {
  const results: (DynamicsUpsertResult | undefined)[] = unkeyableResults(drafts);
  // The same referral twice in one call: send the last version once, report it for each.
  const lastIndex = new Map<string, number>();
  drafts.forEach((d, i) => {
    if (results[i] === undefined) lastIndex.set(d.referralId, i);
  });
  const table = { entitySet: s.entitySet, alternateKey: s.alternateKey };
  const fail = (i: number, error: SyncError): void => {
    results[i] = { referralId: (drafts[i] as OpportunityDraft).referralId, ok: false, error };
  };
  const skip = (i: number, row: ClosedRow): void => {
    const referralId = (drafts[i] as OpportunityDraft).referralId;
    results[i] = {
      referralId,
      ok: true,
      crmId: row.id,
      created: false,
      skipped: row.statecode === 1 ? 'closed-won' : 'closed-lost',
    };
    log?.info({ referralId, crmId: row.id }, 'opportunity is closed in Dynamics 365 (read-only); fields not written');
  };

  const closed = await closedAmong(http, table, [...lastIndex.keys()]);
  const open = [...lastIndex.values()].filter((i) => {
    const row = closed.get((drafts[i] as OpportunityDraft).referralId);
    if (row) skip(i, row);
    return row === undefined;
  });

  const openDrafts = open.map((i) => drafts[i] as OpportunityDraft);
  const bindCurrency = await currencyBinder(http, s.currencies, openDrafts);
  const ownerIds = s.owners && openDrafts.some((d) => d.ownerEmails) ? await s.owners.ownersOf(openDrafts) : [];
  // Claims customers in the directory: nothing awaits between here and the write that settles them.
  const accounts = await planAccounts(
    http,
    { entitySet: s.accountEntitySet, keyColumn: s.accountKeyColumn },
    openDrafts,
    s.accounts,
  );
  const opportunities = { entitySet: s.entitySet, keyColumn: s.alternateKey, idColumn: 'opportunityid' };
  const sendable: { index: number; row: KeyedRow; newAccount: string | undefined; knownAccount: string | undefined }[] =
    [];
  open.forEach((index, u) => {
    const d = drafts[index] as OpportunityDraft;
    const account = accounts.outcomes.get(u);
    const fields = bindCurrency(d.fields, d.referralId);
    if (fields instanceof ValidationError) return fail(index, fields);
    if (account?.ok === false) return fail(index, account.error);
    // The key travels in the URL; Dataverse wants it out of the body (docs/dataverse-api.md, "Upsert by alternate
    // key").
    const body: Record<string, unknown> = Object.fromEntries(
      Object.entries(fields).filter(([k]) => k !== s.alternateKey),
    );
    const newAccount = account?.ok && account.accountId === null ? account.key : undefined;
    const knownAccount = account?.ok && account.accountId !== null ? account.key : undefined;
    if (account?.ok && account.accountId !== null)
      body['customerid_account@odata.bind'] = bindPath(s.accountEntitySet, account.accountId);
    if (newAccount !== undefined)
      body['customerid_account@odata.bind'] = bindPathByKey(s.accountEntitySet, s.accountKeyColumn, newAccount);
    const owner = ownerIds[u];
    if (owner !== undefined) body['ownerid@odata.bind'] = bindPath('systemusers', owner);
    sendable.push({
      index,
      row: { table: opportunities, key: d.referralId, body, referralId: d.referralId },
      newAccount,
      knownAccount,
    });
  });

  // New accounts go first in the same `$batch` (Dataverse runs change sets in order, #8): one
  // write call carries a batch's customers and its opportunities, which bind to them by key.
  const needed = new Set(sendable.map((x) => x.newAccount));
  const create = accounts.create.filter((r) => needed.has(r.key));
  let written: RowOutcome[];
  try {
    written = await upsertByKey(http, s.maxBatch, [...create, ...sendable.map((x) => x.row)]);
  } catch (err) {
    accounts.finish(new Map());
    throw err;
  }
  const accountOutcome = new Map(create.flatMap((r, i) => (written[i] ? [[r.key, written[i]] as const] : [])));
  accounts.finish(accountOutcome);
  const outcomes = written.slice(create.length).map((o, i): RowOutcome => {
    const known = sendable[i]?.knownAccount;
    // A remembered account may have been deleted or merged by a user since: look it up next time.
    if (!o.ok && known !== undefined) s.accounts.forget(known);
    const account = accountOutcome.get(sendable[i]?.newAccount ?? '');
    // An opportunity whose account write failed could not bind to it: that failure is the cause.
    // (A key race lost to another worker still binds: the winner's row holds the key.)
    return !o.ok && account && !account.ok ? account : o;
  });

  // A seller may close the row between our check and the write: a rejected write is re-checked.
  const rejected = sendable.filter((_, i) => isRejected(outcomes[i]));
  const closedSince = await closedAmong(
    http,
    table,
    rejected.map((x) => x.row.key),
  );
  outcomes.forEach((o, i) => {
    const x = sendable[i];
    if (!x) return;
    const nowClosed = closedSince.get(x.row.key);
    if (nowClosed && isRejected(o)) skip(x.index, nowClosed);
    else
      results[x.index] = o.ok
        ? { referralId: x.row.key, ok: true, crmId: o.id, created: o.created }
        : { referralId: x.row.key, ok: false, error: o.error };
  });

  return drafts.map((d, i) => {
    const own = results[i];
    if (own) return own;
    const shared = results[lastIndex.get(d.referralId) ?? -1];
    return (
      shared ?? {
        referralId: d.referralId,
        ok: false,
        error: new ValidationError(`referral ${d.referralId}: not sent`),
      }
    );
  });
}

const isRejected = (o: RowOutcome | undefined): boolean =>
  o !== undefined && !o.ok && o.error instanceof ValidationError;
