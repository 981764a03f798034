import { ValidationError } from '../../src/errors.ts';
import type { OpportunityDraft, UpsertResult } from '../../src/ports/crm.ts';
import { resolveAccounts } from './resolve-accounts.ts';
import type { SalesforceSession } from './salesforce-session.ts';
import { upsertMany, upsertSingle, type SfFields, type WriteOutcome } from './sobject-writes.ts';

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

/**
 * Upserts drafts by the external-id field: one draft -> single upsert, several -> sObject
 * Collections in chunks of 200. Accounts are resolved first, in bulk. Results are per draft,
 * in input order; a whole-call failure throws.
 */
export async function upsertOpportunities(session: SalesforceSession, s: UpsertSettings, drafts: OpportunityDraft[]): Promise<UpsertResult[]> {
  const results: (UpsertResult | undefined)[] = drafts.map((d) =>
    isUrlSafeId(d.referralId)
      ? undefined
      : { referralId: d.referralId, ok: false, error: new ValidationError(`referral id '${d.referralId.slice(0, 80)}' is not URL-safe (letters, digits, _ and - only)`) },
  );

  // The same referral twice in one call: send the last version once, report it for each.
  const lastIndex = new Map<string, number>();
  drafts.forEach((d, i) => {
    if (results[i] === undefined) lastIndex.set(d.referralId, i);
  });
  const unique = [...lastIndex.values()];
  const uniqueDrafts = unique.map((i) => drafts[i] as OpportunityDraft);

  const accounts = await resolveAccounts(session, s.accountKeyField, uniqueDrafts);
  const sendable: { index: number; record: SfFields }[] = [];
  uniqueDrafts.forEach((d, u) => {
    const index = unique[u] as number;
    const account = accounts.get(u);
    if (account && !account.ok) {
      results[index] = { referralId: d.referralId, ok: false, error: account.error };
      return;
    }
    const record: SfFields = { ...d.fields, [s.externalIdField]: d.referralId };
    if (account?.ok) record.AccountId = account.accountId;
    sendable.push({ index, record });
  });

  let outcomes: WriteOutcome[] = [];
  const only = sendable[0];
  if (sendable.length === 1 && only) {
    const d = drafts[only.index] as OpportunityDraft;
    outcomes = [await upsertSingle(session, s.objectName, s.externalIdField, d.referralId, only.record, { object: s.objectName, referralId: d.referralId })];
  } else if (sendable.length > 1) {
    outcomes = await upsertMany(session, s.objectName, s.externalIdField, sendable.map((x) => x.record), (i) => ({
      object: s.objectName,
      referralId: drafts[sendable[i]?.index ?? -1]?.referralId,
    }));
  }
  outcomes.forEach((o, i) => {
    const index = sendable[i]?.index;
    if (index === undefined) return;
    const referralId = (drafts[index] as OpportunityDraft).referralId;
    results[index] = o.ok ? { referralId, ok: true, crmId: o.id, created: o.created } : { referralId, ok: false, error: o.error };
  });

  return drafts.map((d, i) => {
    const own = results[i];
    if (own) return own;
    // An earlier duplicate of a referral sent later in the call shares that result.
    const shared = results[lastIndex.get(d.referralId) ?? -1];
    return shared ?? { referralId: d.referralId, ok: false, error: new ValidationError(`referral ${d.referralId}: not sent`) };
  });
}
