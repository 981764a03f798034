import type { JsonPatchOp, Referral } from '../domain/referral.ts';
import type { CrmSnapshot } from './crm-snapshot.ts';
import { decideOutbound } from './decide.ts';
import type { OutboundDecision } from './outbound-decision.ts';
import { OutboundRules } from './outbound-rules.ts';
import { valuesOf, type PushedValues } from './snapshot-values.ts';

/*
 * Builders for the outbound tests. Invented values, documented field names
 * (docs/partner-center-referrals-api.md, "The referral resource").
 */

const CREATED = '2025-03-03T09:14:00Z';

export function referral(over: Partial<Referral> = {}): Referral {
  return {
    id: 'ref-1',
    eTag: '"e1"',
    status: 'New',
    substatus: 'Pending',
    statusReason: null,
    name: 'Bluefin Teams Phone',
    createdDateTime: CREATED,
    details: {
      notes: 'Need Teams Phone for 120 users',
      dealValue: 50000,
      currency: 'EUR',
      closingDateTime: '2025-06-30T00:00:00Z',
    },
    team: [{ firstName: 'Omar', lastName: 'Haddad', email: 'omar@northwind.example' }],
    ...over,
  };
}

export const active = (over: Partial<Referral> = {}): Referral =>
  referral({ status: 'Active', substatus: 'Accepted', acceptedDateTime: '2025-03-04T08:00:00Z', ...over });

export function snapshot(over: Partial<CrmSnapshot> = {}): CrmSnapshot {
  return {
    crmId: '006Dn00000AbCdEIAV',
    referralId: 'ref-1',
    modstamp: '2025-03-04T10:00:00.000Z',
    decision: null,
    declineReason: null,
    lostReason: null,
    stage: 'On Hold',
    isClosed: false,
    isWon: false,
    name: 'Bluefin Teams Phone',
    dealValue: 50000,
    currency: 'EUR',
    closeDate: '2025-06-30',
    notes: 'Need Teams Phone for 120 users',
    campaignId: null,
    teamContacts: [{ firstName: 'Omar', lastName: 'Haddad', email: 'omar@northwind.example' }],
    ...over,
  };
}

export const rules = (over: Record<string, unknown> = {}): OutboundRules =>
  OutboundRules.parse({
    accept: { onHoldStages: ['On Hold', 'New'] },
    decline: { reasonMap: { budget: "Project budget isn't adequate", 'no-reply': "Customer didn't respond" } },
    lost: { reasonMap: { competitor: 'Customer chose another vendor' } },
    labels: {
      closingDateTime: 'CloseDate',
      dealValue: 'Amount',
      currency: 'CurrencyIsoCode',
      declineReason: 'Decline_Reason__c',
    },
    ...over,
  });

/** Four days after creation: past the 72 h Won hold. */
export const NOW = new Date('2025-03-07T12:00:00Z');

/** A minimal Partner Center: applies replace/add ops to a copy and moves the eTag on. */
export function applyPatch(r: Referral, ops: readonly JsonPatchOp[]): Referral {
  const doc = structuredClone(r) as Record<string, unknown>;
  for (const { path, value } of ops) {
    const segs = path.split('/').slice(1);
    const last = segs.pop();
    let at: unknown = doc;
    for (const s of segs) at = (at as Record<string, unknown>)[s];
    if (last === undefined || at === null || typeof at !== 'object') throw new Error(`bad path ${path}`);
    if (Array.isArray(at) && last === '-') at.push(structuredClone(value));
    else (at as Record<string, unknown>)[last] = structuredClone(value);
  }
  const n = Number(/\d+/.exec(r.eTag)?.[0] ?? 0) + 1;
  return { ...(doc as Referral), eTag: `"e${n}"` };
}

/** The values inbound sync wrote for `snapshot()`: the usual lastPushed. */
export const base = valuesOf(snapshot());

export const status = (s: string, sub: string): JsonPatchOp[] => [
  { op: 'replace', path: '/status', value: s },
  { op: 'replace', path: '/substatus', value: sub },
];

/** A New referral without name, value, currency or date. */
export const bare = referral({ name: undefined, details: { notes: 'Need Teams Phone for 120 users' } });

export interface Row {
  name: string;
  referral: Referral;
  snapshot: CrmSnapshot;
  lastPushed?: PushedValues | null;
  rules?: Record<string, unknown>;
  now?: Date;
  expected: Record<string, unknown>;
}

export const decideRow = (row: Row): OutboundDecision =>
  decideOutbound({
    referral: row.referral,
    snapshot: row.snapshot,
    lastPushed: row.lastPushed ?? null,
    rules: rules(row.rules),
    now: row.now ?? NOW,
  });
