import type { SalesforceOutboundFields } from '../../src/mapping/outbound-fields.ts';
import { CrmSnapshot, type TeamContact } from '../../src/outbound/crm-snapshot.ts';
import { toDecision, type OutboundRules } from '../../src/outbound/outbound-rules.ts';

/*
 * One Salesforce Opportunity row -> CrmSnapshot (issue 4). Pure; table-tested in
 * outbound-snapshot.test.ts.
 *
 * Won/Lost come from the record's IsClosed/IsWon. Salesforce derives both from the stage's
 * OpportunityStage entry (docs/salesforce-api.md, "Won and Lost come from stage metadata"), so custom sales processes
 * are respected without our
 * reading stage labels or querying OpportunityStage ourselves.
 */

export interface OutboundReadSettings {
  objectName: string;
  externalIdField: string;
  fields: SalesforceOutboundFields;
  rules: OutboundRules;
}

type SourcedKey = Exclude<keyof CrmSnapshot, 'teamContacts'>;

/** Which Salesforce field each snapshot value is read from; null: not configured (value null). */
function snapshotSources(s: OutboundReadSettings): Record<SourcedKey, string | null> {
  const f = s.fields;
  return {
    crmId: 'Id',
    referralId: s.externalIdField,
    modstamp: 'SystemModstamp',
    stage: 'StageName',
    isClosed: 'IsClosed',
    isWon: 'IsWon',
    decision: f.decision,
    declineReason: f.declineReason,
    lostReason: f.lostReason,
    name: f.name,
    dealValue: f.dealValue,
    currency: f.currency,
    closeDate: f.closeDate,
    notes: f.notes,
    campaignId: f.campaignId,
  };
}

/** The SELECT list: each configured field once (SOQL rejects a field selected twice). */
export function selectFields(s: OutboundReadSettings): string[] {
  const unique = new Map<string, string>();
  for (const field of Object.values(snapshotSources(s))) {
    if (field !== null && !unique.has(field.toLowerCase())) unique.set(field.toLowerCase(), field);
  }
  return [...unique.values()];
}

export type SnapshotRead = { ok: true; snapshot: CrmSnapshot } | { ok: false; crmId: string; error: string };

/**
 * Reads a query/retrieve row as a snapshot. A row failing the CrmSnapshot schema comes back
 * with an error naming the Salesforce field and the problem, never the value (it may be free
 * text a seller typed).
 */
export function toSnapshot(
  row: Readonly<Record<string, unknown>>,
  s: OutboundReadSettings,
  team: readonly TeamContact[] = [],
): SnapshotRead {
  const sources = snapshotSources(s);
  // Field names in responses use the org's spelling, which may differ in case from the config.
  const byName = new Map(Object.entries(row).map(([k, v]) => [k.toLowerCase(), v]));
  const read = (key: SourcedKey): unknown => {
    const field = sources[key];
    return field === null ? null : (byName.get(field.toLowerCase()) ?? null);
  };
  const rawDecision = read('decision');
  const candidate = {
    crmId: read('crmId'),
    referralId: read('referralId'),
    modstamp: read('modstamp'),
    // A non-text decision value is left for the schema to reject, naming the field.
    decision: typeof rawDecision === 'string' || rawDecision === null ? toDecision(rawDecision, s.rules) : rawDecision,
    declineReason: read('declineReason'),
    lostReason: read('lostReason'),
    stage: read('stage'),
    isClosed: read('isClosed'),
    isWon: read('isWon'),
    name: read('name'),
    dealValue: read('dealValue'),
    currency: read('currency'),
    closeDate: read('closeDate'),
    notes: read('notes'),
    campaignId: read('campaignId'),
    // The team lives in OpportunityTeamMember, read separately per page (opportunity-team.ts).
    teamContacts: team,
  };
  const parsed = CrmSnapshot.safeParse(candidate);
  if (parsed.success) return { ok: true, snapshot: parsed.data };
  const crmId = typeof candidate.crmId === 'string' ? candidate.crmId : '';
  const problems = parsed.error.issues.map((issue) => {
    const key = String(issue.path[0] ?? '');
    const field = key in sources ? sources[key as SourcedKey] : null;
    return `${field ?? key} (${key}): ${issue.message}`;
  });
  return { ok: false, crmId, error: `salesforce ${s.objectName} ${crmId || '(no Id)'}: ${problems.join('; ')}` };
}
