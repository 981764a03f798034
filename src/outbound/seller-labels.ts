import type { ValueFieldNames } from './draft-values.ts';
import { OutboundRules, type EditField } from './outbound-rules.ts';
import type { CrmKind } from '../ports/crm.ts';

/*
 * Refusal messages name fields as the seller sees them on the opportunity form (#15), not by our
 * internal keys or API names. The standard fields' labels are fixed by each CRM
 * (docs/seller-labels.md); a custom field keeps the mapping's label (`outbound.labels`).
 */
const STANDARD: Record<CrmKind, Record<string, string>> = {
  salesforce: {
    name: 'Opportunity Name',
    amount: 'Amount',
    closedate: 'Close Date',
    currencyisocode: 'Opportunity Currency',
    description: 'Description',
    campaignid: 'Primary Campaign Source',
  },
  dynamics: {
    name: 'Topic',
    estimatedvalue: 'Est. Revenue',
    estimatedclosedate: 'Est. Close Date',
    transactioncurrencyid: 'Currency',
    description: 'Description',
    campaignid: 'Source Campaign',
  },
};

const SOURCE: Partial<Record<EditField, keyof ValueFieldNames>> = {
  name: 'name',
  dealValue: 'dealValue',
  currency: 'currency',
  closingDateTime: 'closeDate',
  notes: 'notes',
  campaignId: 'campaignId',
};

const DEFAULT_LABELS = OutboundRules.parse({}).labels;

/** Pure: `rules` with each label the mapping left at its default replaced by the CRM's own label. */
export function withSellerLabels(rules: OutboundRules, kind: CrmKind, fields: ValueFieldNames): OutboundRules {
  const labels = { ...rules.labels };
  for (const [key, source] of Object.entries(SOURCE) as [EditField, keyof ValueFieldNames][]) {
    if (!(key in labels) || labels[key as keyof typeof labels] !== DEFAULT_LABELS[key as keyof typeof DEFAULT_LABELS])
      continue;
    const field = fields[source];
    const standard = field === null ? undefined : STANDARD[kind][field.toLowerCase()];
    if (standard !== undefined) labels[key as keyof typeof labels] = standard;
  }
  return { ...rules, labels };
}
