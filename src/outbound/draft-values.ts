import type { OpportunityDraft } from '../ports/crm.ts';
import type { PushedValues } from './snapshot-values.ts';

/** Which CRM field holds each value outbound sync compares (from the mapping's `<crm>.outbound`). */
export interface ValueFieldNames {
  name: string;
  dealValue: string;
  currency: string | null;
  closeDate: string;
  notes: string;
  campaignId: string | null;
}

/**
 * What inbound sync just wrote into the CRM, in snapshot terms: merged into lastPushed so our own
 * write is never read back as the seller's edit (the echo guard). Read from the draft actually
 * sent, so mapping defaults and transforms (truncation, templates) are remembered as written.
 */
export function valuesFromDraft(draft: OpportunityDraft, names: ValueFieldNames): PushedValues {
  const f = draft.fields;
  const out: PushedValues = {};
  const text = (field: string | null): string | null | undefined => {
    if (field === null || !Object.hasOwn(f, field)) return undefined;
    const v = f[field];
    return typeof v === 'string' ? v.trim() || null : v === null ? null : String(v);
  };
  const name = text(names.name);
  if (name) out.name = name;
  if (Object.hasOwn(f, names.dealValue)) {
    const v = f[names.dealValue];
    out.dealValue = typeof v === 'number' ? v : null;
  }
  const currency = text(names.currency);
  if (currency !== undefined) out.currency = currency === null ? null : currency.toUpperCase();
  const close = text(names.closeDate);
  if (close !== undefined) out.closeDate = close === null ? null : close.slice(0, 10);
  const notes = text(names.notes);
  if (notes !== undefined) out.notes = notes;
  const campaign = text(names.campaignId);
  if (campaign !== undefined) out.campaignId = campaign;
  return out;
}
