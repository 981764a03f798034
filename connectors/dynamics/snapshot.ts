import { type CrmSnapshot as Snapshot, CrmSnapshot } from '../../src/outbound/crm-snapshot.ts';
import { type OutboundRules, toDecision } from '../../src/outbound/outbound-rules.ts';
import type { DynamicsOutboundFields } from '../../src/mapping/outbound-fields.ts';

/*
 * One opportunity row -> CrmSnapshot (src/outbound/crm-snapshot.ts). Pure; tested in
 * snapshot.test.ts. Won/Lost come from statecode (0 Open, 1 Won, 2 Lost, docs/dataverse-api.md, "Opportunity state
 * and status"), never
 * from a stage or status label.
 */

export interface SnapshotColumns {
  alternateKey: string;
  fields: DynamicsOutboundFields;
  /** Column read as CrmSnapshot.stage (stepname by default), or null. */
  stage: string | null;
}

/** The currency's ISO code comes from the lookup, expanded in the same request. */
export const EXPAND_CURRENCY = 'transactioncurrencyid($select=isocurrencycode)';
/** Choice labels in the caller's language, for reason columns that are choices. */
export const FORMATTED_VALUES = 'odata.include-annotations="OData.Community.Display.V1.FormattedValue"';
const FORMATTED = '@OData.Community.Display.V1.FormattedValue';

export function snapshotColumns(c: SnapshotColumns): string[] {
  const f = c.fields;
  const all = [
    'opportunityid',
    c.alternateKey,
    'modifiedon',
    'statecode',
    f.decision,
    f.declineReason,
    f.lostReason,
    f.name,
    f.dealValue,
    f.closeDate,
    f.notes,
    f.campaignId,
    c.stage,
  ];
  return [...new Set(all.filter((x): x is string => typeof x === 'string'))];
}

export type SnapshotRead = { ok: true; snapshot: Snapshot } | { ok: false; crmId: string; error: string };

const text = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v : null);

/** A choice column reads as its integer; a text column as itself. */
function rawValue(
  row: Record<string, unknown>,
  column: string | null,
  labels: Record<string, string> = {},
): string | null {
  if (column === null) return null;
  const v = row[column];
  if (typeof v === 'number') return labels[String(v)] ?? text(row[`${column}${FORMATTED}`]) ?? String(v);
  return text(v);
}

function currencyOf(row: Record<string, unknown>): string | null {
  const lookup = row.transactioncurrencyid;
  if (typeof lookup !== 'object' || lookup === null) return null;
  return text((lookup as { isocurrencycode?: unknown }).isocurrencycode)?.toUpperCase() ?? null;
}

/** DateOnly columns read as YYYY-MM-DD; a DateTime column configured instead keeps its date part. */
function dateOf(v: unknown): string | null {
  const s = text(v);
  return s !== null && /^\d{4}-\d{2}-\d{2}/.test(s) ? s.slice(0, 10) : null;
}

export function toSnapshot(row: Record<string, unknown>, c: SnapshotColumns, rules: OutboundRules): SnapshotRead {
  const f = c.fields;
  const crmId = typeof row.opportunityid === 'string' ? row.opportunityid : '';
  const state = row.statecode;
  const value = row[f.dealValue];
  const candidate = {
    crmId,
    referralId: row[c.alternateKey],
    modstamp: row.modifiedon,
    decision: toDecision(rawValue(row, f.decision, f.decisionChoices), rules),
    declineReason: rawValue(row, f.declineReason),
    lostReason: rawValue(row, f.lostReason),
    stage: rawValue(row, c.stage),
    isClosed: typeof state === 'number' ? state !== 0 : undefined,
    isWon: state === 1,
    name: typeof row[f.name] === 'string' ? row[f.name] : '',
    dealValue: typeof value === 'number' ? value : null,
    currency: currencyOf(row),
    closeDate: dateOf(row[f.closeDate]),
    notes: text(row[f.notes]),
    campaignId: f.campaignId === null ? null : text(row[f.campaignId]),
    // The Sales Team is read separately, per page of opportunities (sales-team.ts).
    teamContacts: [],
  };
  const parsed = CrmSnapshot.safeParse(candidate);
  if (parsed.success) return { ok: true, snapshot: parsed.data };
  const issues = parsed.error.issues
    .slice(0, 5)
    .map((i) => `${i.path.join('.') || '(row)'}: ${i.message}`)
    .join('; ');
  return { ok: false, crmId: crmId || '(no opportunityid)', error: issues };
}
