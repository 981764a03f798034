import type { OpportunityDraft } from '../ports/crm.ts';

/** What an update of a known record writes: no create-only fields, no owner. */
export function withoutCreateOnly(draft: OpportunityDraft): OpportunityDraft {
  if ((!draft.createOnly || draft.createOnly.length === 0) && draft.ownerEmails === undefined) return draft;
  const skip = new Set(draft.createOnly);
  const fields = Object.fromEntries(Object.entries(draft.fields).filter(([name]) => !skip.has(name)));
  return { referralId: draft.referralId, fields, account: draft.account };
}
