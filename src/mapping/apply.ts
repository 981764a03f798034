import type { Referral } from '../domain/referral.ts';
import { MappingError } from '../errors.ts';
import type { AccountDraft, CrmKind, FieldValue, OpportunityDraft } from '../ports/crm.ts';
import { applyRuleWithOrigin, type RuleContext } from './apply-rule.ts';
import type { FieldRule } from './field-rule.ts';
import type { Mapping } from './schema.ts';

/**
 * Maps one referral to the opportunity draft for one CRM section of the mapping file. Pure: the
 * sync time comes in as `now`. Fields whose rule yields nothing are left out (apply-rule.ts).
 * Throws MappingError naming the rule path (e.g. `salesforce.fields.CloseDate`) and the referral.
 */
export function toOpportunityDraft(
  section: CrmKind,
  referral: Referral,
  now: Date,
  mapping: Mapping,
): OpportunityDraft {
  const target = mapping[section];
  if (!target) throw new MappingError(`the mapping file has no ${section} section`, section, referral.id);
  const ctx: RuleContext = { referral, now, linkTemplate: mapping.referralLink };
  const createOnly: string[] = [];
  const ownerEmails = target.assignOwnerFromTeam ? teamEmails(referral) : [];
  return {
    referralId: referral.id,
    fields: applyRules(target.fields, `${section}.fields`, ctx, createOnly),
    createOnly,
    account: target.account ? toAccountDraft(target.account, `${section}.account`, ctx) : null,
    ...(ownerEmails.length > 0 ? { ownerEmails } : {}),
  };
}

/** The referral team's emails (the partner's sellers), in order, each once. */
export function teamEmails(referral: Referral): string[] {
  const emails = (referral.team ?? []).flatMap((m) =>
    typeof m.email === 'string' && m.email.trim() !== '' ? [m.email.trim()] : [],
  );
  const seen = new Set<string>();
  return emails.filter((e) => !seen.has(e.toLowerCase()) && Boolean(seen.add(e.toLowerCase())));
}

/**
 * The customer account: `fields` for creating it, `match` for finding it. A match field with no
 * value is matched as null (an account with that field empty) rather than dropped, so two
 * customers of the same name are not merged just because one referral lacks a country.
 */
function toAccountDraft(
  account: { match: string[]; fields: Record<string, FieldRule> },
  at: string,
  ctx: RuleContext,
): AccountDraft {
  // Accounts are matched or created, never updated, so create-only makes no difference here.
  const fields = applyRules(account.fields, `${at}.fields`, ctx, []);
  const match: Record<string, FieldValue> = {};
  for (const name of account.match) {
    const value = fields[name] ?? null;
    match[name] = value;
    fields[name] = value;
  }
  return { match, fields };
}

export function applyRules(
  rules: Record<string, FieldRule>,
  at: string,
  ctx: RuleContext,
  createOnly: string[],
): Record<string, FieldValue> {
  const out: Record<string, FieldValue> = {};
  for (const [name, rule] of Object.entries(rules)) {
    const { value, createOnly: onlyOnCreate } = applyRuleWithOrigin(rule, `${at}.${name}`, ctx);
    if (value === undefined) continue;
    out[name] = value;
    if (onlyOnCreate) createOnly.push(name);
  }
  return out;
}
