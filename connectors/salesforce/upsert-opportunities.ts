import { FatalError, ValidationError } from '../../src/errors.ts';
import type { OpportunityDraft, UpsertResult } from '../../src/ports/crm.ts';
import type { OwnerDirectory } from '../shared/owner-directory.ts';
import type { AccountDirectory } from '../shared/account-directory.ts';
import { upsertCollectionsInOneCall, type SfRecordBody } from './composite-writes.ts';
import { resolveAccounts, type AccountPlan, type AccountResolution } from './resolve-accounts.ts';
import type { SalesforceSession } from './salesforce-session.ts';
import { MAX_COLLECTION, upsertMany, upsertSingle, type SfFields, type WriteOutcome } from './sobject-writes.ts';

export interface UpsertSettings {
  objectName: string;
  externalIdField: string;
  accountKeyField: string;
}

/**
 * Referral ids go into the URL of a single upsert, unencoded by Salesforce's router. Letters,
 * digits, `_` and `-` only: a `.` can make Salesforce read a suffix as a file extension
 * (REST API guide, "Create Records Using sObject Rows by External ID": `.inc` -> 404).
 */
const URL_SAFE_ID = /^[A-Za-z0-9_-]{1,255}$/;

export const isUrlSafeId = (id: string): boolean => URL_SAFE_ID.test(id);

interface Sendable {
  index: number;
  referralId: string;
  record: SfFields;
  account: AccountPlan | undefined;
}

/**
 * Upserts drafts by the external-id field, in chunks of 200: a chunk whose customers all have a
 * known Account is one sObject Collections upsert (a lone draft: a single upsert); a chunk with
 * new customers is ONE Composite call that upserts those Accounts by the key field, then the
 * opportunities, which name a new Account by that key (`Account: { <key field>: key }`).
 * Accounts are looked up first, in bulk, skipping customers the directory already knows.
 * Results are per draft, in input order; a whole-call failure throws.
 */
export async function upsertOpportunities(
  session: SalesforceSession,
  s: UpsertSettings,
  drafts: OpportunityDraft[],
  directory: AccountDirectory,
  owners?: OwnerDirectory,
): Promise<UpsertResult[]> {
  const results: (UpsertResult | undefined)[] = drafts.map((d) =>
    isUrlSafeId(d.referralId)
      ? undefined
      : {
          referralId: d.referralId,
          ok: false,
          error: new ValidationError(
            `referral id '${d.referralId.slice(0, 80)}' is not URL-safe (letters, digits, _ and - only)`,
          ),
        },
  );

  // The same referral twice in one call: send the last version once, report it for each.
  const lastIndex = new Map<string, number>();
  drafts.forEach((d, i) => {
    if (results[i] === undefined) lastIndex.set(d.referralId, i);
  });
  const unique = [...lastIndex.values()];
  const uniqueDrafts = unique.map((i) => drafts[i] as OpportunityDraft);

  // Drafts that name owners (new records, mapping assignOwnerFromTeam) get the first active user's Id.
  const ownerIds = owners && uniqueDrafts.some((d) => d.ownerEmails) ? await owners.ownersOf(uniqueDrafts) : [];
  const accounts = await resolveAccounts(session, s.accountKeyField, uniqueDrafts, directory);
  try {
    const sendable: Sendable[] = [];
    uniqueDrafts.forEach((d, u) => {
      const index = unique[u] as number;
      const account = accounts.plans.get(u);
      const owner = ownerIds[u];
      const record: SfFields = { ...d.fields, ...(owner ? { OwnerId: owner } : {}), [s.externalIdField]: d.referralId };
      if (account?.kind === 'failed') results[index] = { referralId: d.referralId, ok: false, error: account.error };
      else sendable.push({ index, referralId: d.referralId, record, account });
    });
    for (let start = 0; start < sendable.length; start += MAX_COLLECTION) {
      const chunk = sendable.slice(start, start + MAX_COLLECTION);
      const outcomes = await writeChunk(session, s, accounts, chunk, sendable.length === 1);
      chunk.forEach((x, i) => {
        const o = outcomes[i];
        if (!o) return;
        results[x.index] = o.ok
          ? { referralId: x.referralId, ok: true, crmId: o.id, created: o.created }
          : { referralId: x.referralId, ok: false, error: o.error };
        if (!o.ok && x.account?.kind === 'id') accounts.forget(x.account.key);
      });
    }
  } finally {
    accounts.close();
  }

  return drafts.map((d, i) => {
    const own = results[i];
    if (own) return own;
    // An earlier duplicate of a referral sent later in the call shares that result.
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

/** Writes one chunk (<= 200 drafts): outcomes in chunk order. */
async function writeChunk(
  session: SalesforceSession,
  s: UpsertSettings,
  accounts: AccountResolution,
  chunk: Sendable[],
  alone: boolean,
): Promise<WriteOutcome[]> {
  const outcomes: (WriteOutcome | undefined)[] = [];
  /** `newKey`: the record names its new Account by that key instead of an AccountId. */
  const toSend: { at: number; record: SfFields; newKey?: string }[] = [];
  const newAccounts = new Map<string, { record: SfFields; referralId: string }>();
  chunk.forEach((x, at) => {
    const plan = x.account;
    const earlier = plan?.kind === 'create' ? accounts.created(plan.key) : undefined;
    const creation = plan?.kind === 'create' ? accounts.creation(plan.key) : undefined;
    if (plan === undefined) toSend.push({ at, record: x.record });
    else if (plan.kind === 'id') toSend.push({ at, record: { ...x.record, AccountId: plan.accountId } });
    else if (plan.kind === 'failed') outcomes[at] = { ok: false, error: plan.error };
    // Created (or not) by an earlier chunk of this call.
    else if (earlier?.ok) toSend.push({ at, record: { ...x.record, AccountId: earlier.accountId } });
    else if (earlier) outcomes[at] = { ok: false, error: earlier.error };
    else if (creation) {
      newAccounts.set(plan.key, creation);
      toSend.push({ at, record: x.record, newKey: plan.key });
    } else
      outcomes[at] = {
        ok: false,
        error: new FatalError(`salesforce Account of referral ${x.referralId}: not resolved`),
      };
  });
  const contextOf = (i: number) => ({ object: s.objectName, referralId: chunk[toSend[i]?.at ?? -1]?.referralId });

  let sent: WriteOutcome[];
  if (newAccounts.size === 0) {
    const records = toSend.map((x) => x.record);
    const [only] = toSend;
    sent =
      alone && only && toSend.length === 1
        ? [
            await upsertSingle(
              session,
              s.objectName,
              s.externalIdField,
              chunk[only.at]?.referralId ?? '',
              only.record,
              contextOf(0),
            ),
          ]
        : toSend.length > 0
          ? await upsertMany(session, s.objectName, s.externalIdField, records, contextOf)
          : [];
  } else {
    const keys = [...newAccounts.keys()];
    const creations = [...newAccounts.values()];
    const byKey = (x: (typeof toSend)[number]): SfRecordBody =>
      x.newKey === undefined ? x.record : { ...x.record, Account: { [s.accountKeyField]: x.newKey } };
    const [made = [], written = []] = await upsertCollectionsInOneCall(session, [
      {
        object: 'Account',
        extField: s.accountKeyField,
        records: creations.map((c) => c.record),
        contextOf: (i) => ({ object: 'Account', referralId: creations[i]?.referralId }),
      },
      { object: s.objectName, extField: s.externalIdField, records: toSend.map(byKey), contextOf },
    ]);
    keys.forEach((key, i) => {
      const m = made[i];
      if (m) accounts.settle(key, m.ok ? { ok: true, accountId: m.id } : { ok: false, error: m.error });
    });
    // An opportunity whose new Account failed reports the Account's error, not the missing reference.
    sent = written.map((o, i) => {
      const key = toSend[i]?.newKey;
      const account = key === undefined ? undefined : accounts.created(key);
      return !o.ok && account && !account.ok ? { ok: false, error: account.error } : o;
    });
  }
  sent.forEach((o, i) => {
    const at = toSend[i]?.at;
    if (at !== undefined) outcomes[at] = o;
  });
  return chunk.map(
    (_, at) =>
      outcomes[at] ?? { ok: false, error: new ValidationError(`referral ${chunk[at]?.referralId ?? ''}: not sent`) },
  );
}
