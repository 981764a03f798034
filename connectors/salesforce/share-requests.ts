import { FatalError, ValidationError } from '../../src/errors.ts';
import type { SalesforceShareFields } from '../../src/mapping/share-fields.ts';
import type { CrmShare } from '../../src/ports/crm-share.ts';
import type { ShareRequest } from '../../src/share/share-request.ts';
import type { SalesforceOptions } from './salesforce-options.ts';
import type { FieldRequirement } from './check-salesforce.ts';
import type { SalesforceSession } from './salesforce-session.ts';
import { queryAll, updateById } from './sobject-writes.ts';
import { RECORD_ID, soqlString } from './soql.ts';

/*
 * Opportunities a seller marked to share with Microsoft (issue 16), read by SOQL. Customer and
 * contact values may come through one lookup (`Account.Name`, `Referral_Contact__r.Email`):
 * SOQL returns the parent as a nested record, or null when the lookup is empty.
 */

export interface ShareReadSettings {
  objectName: string;
  externalIdField: string;
  fields: {
    name: string;
    dealValue: string;
    currency: string | null;
    closeDate: string;
    notes: string;
    message: string;
  };
  share: SalesforceShareFields;
}

/** The read settings, or FatalError when the mapping has no `salesforce.outbound.share`. */
export function shareSettings(o: SalesforceOptions): ShareReadSettings {
  const share = o.outbound?.fields.share;
  if (!o.outbound || !share)
    throw new FatalError('salesforce: sharing is not configured (mapping salesforce.outbound.share is missing)');
  return { objectName: o.objectName, externalIdField: o.externalIdField, fields: o.outbound.fields, share };
}

type Key =
  | Exclude<keyof ShareRequest, 'customer' | 'contact'>
  | `customer.${'name' | 'country'}`
  | `contact.${'firstName' | 'lastName' | 'email' | 'phone'}`;

/** Pure: which field (or Relationship.Field) each value is read from; null: not configured. */
export function shareSources(s: ShareReadSettings): Record<Key, string | null> {
  const f = s.fields;
  const sh = s.share;
  return {
    crmId: 'Id',
    modstamp: 'SystemModstamp',
    referralId: s.externalIdField,
    flag: sh.flag,
    name: f.name,
    dealValue: f.dealValue,
    currency: f.currency,
    closeDate: f.closeDate,
    notes: f.notes,
    helpType: sh.helpType,
    solutions: sh.solutions,
    visibility: sh.visibility,
    'customer.name': sh.customerName,
    'customer.country': sh.customerCountry,
    'contact.firstName': sh.contactFirstName,
    'contact.lastName': sh.contactLastName,
    'contact.email': sh.contactEmail,
    'contact.phone': sh.contactPhone,
  };
}

const selectList = (s: ShareReadSettings): string => {
  const unique = new Map<string, string>();
  for (const f of Object.values(shareSources(s))) if (f !== null) unique.set(f.toLowerCase(), f);
  return [...unique.values()].join(', ');
};

/** Pure: the share query; `ids` narrows it to given opportunities. */
export function shareSoql(s: ShareReadSettings, ids?: readonly string[]): string {
  const where = ids
    ? [`Id IN (${ids.map(soqlString).join(', ')})`]
    : [`${s.share.flag} = true`, `${s.externalIdField} = null`];
  return `SELECT ${selectList(s)} FROM ${s.objectName} WHERE ${where.join(' AND ')} ORDER BY SystemModstamp, Id`;
}

const lower = (row: Readonly<Record<string, unknown>>): Map<string, unknown> =>
  new Map(Object.entries(row).map(([k, v]) => [k.toLowerCase(), v]));

/** A value by field or Relationship.Field, names compared case-insensitively as Salesforce does. */
function valueAt(row: Readonly<Record<string, unknown>>, path: string | null): unknown {
  if (path === null) return null;
  const [head, tail] = path.split('.') as [string, string | undefined];
  const v = lower(row).get(head.toLowerCase()) ?? null;
  if (tail === undefined) return v;
  return typeof v === 'object' && v !== null
    ? (lower(v as Record<string, unknown>).get(tail.toLowerCase()) ?? null)
    : null;
}

export type ShareRead = { ok: true; request: ShareRequest } | { ok: false; crmId: string; error: string };

/** Pure: one row -> ShareRequest. A value of the wrong type is reported naming the field, never the value. */
export function toShareRequest(
  row: Readonly<Record<string, unknown>>,
  s: ShareReadSettings,
  orgCurrency: string | null,
): ShareRead {
  const src = shareSources(s);
  const problems: string[] = [];
  const text = (k: Key): string | null => {
    const v = valueAt(row, src[k]);
    if (v === null || v === undefined) return null;
    if (typeof v === 'string') return v;
    problems.push(`${src[k] ?? k}: expected text`);
    return null;
  };
  const crmId = text('crmId') ?? '';
  const modstamp = text('modstamp');
  if (modstamp === null || Number.isNaN(Date.parse(modstamp))) problems.push('SystemModstamp: not a date-time');
  const rawValue = valueAt(row, src.dealValue);
  if (rawValue !== null && typeof rawValue !== 'number')
    problems.push(`${src.dealValue ?? 'dealValue'}: expected a number`);
  const flag = valueAt(row, src.flag);
  const request: ShareRequest = {
    crmId,
    modstamp: modstamp ?? '',
    referralId: text('referralId'),
    flag: flag === true,
    name: text('name'),
    dealValue: typeof rawValue === 'number' ? rawValue : null,
    currency: text('currency') ?? orgCurrency,
    closeDate: text('closeDate'),
    notes: text('notes'),
    helpType: text('helpType'),
    solutions: text('solutions'),
    visibility: text('visibility'),
    customer: { name: text('customer.name'), country: text('customer.country') },
    contact: {
      firstName: text('contact.firstName'),
      lastName: text('contact.lastName'),
      email: text('contact.email'),
      phone: text('contact.phone'),
    },
  };
  if (crmId === '') problems.push('Id: missing');
  if (problems.length > 0)
    return {
      ok: false,
      crmId,
      error: `salesforce ${s.objectName} ${crmId || '(no Id)'} share request: ${problems.join('; ')}`,
    };
  return { ok: true, request };
}

/** CrmShare over SOQL and one PATCH. `orgCurrency` stands in where the mapping names no currency field. */
export function salesforceShare(
  session: SalesforceSession,
  settings: () => ShareReadSettings,
  orgCurrency: () => Promise<string | null>,
): CrmShare {
  const currencyOf = async (s: ShareReadSettings) => (s.fields.currency === null ? orgCurrency() : null);
  return {
    async listShareRequests() {
      const s = settings();
      const rows = await queryAll(session, shareSoql(s), { object: s.objectName });
      const currency = rows.length === 0 ? null : await currencyOf(s);
      const requests: ShareRequest[] = [];
      const invalid: { crmId: string; error: string }[] = [];
      for (const row of rows) {
        const read = toShareRequest(row, s, currency);
        if (read.ok) requests.push(read.request);
        else invalid.push({ crmId: read.crmId, error: read.error });
      }
      return { requests, invalid };
    },
    async getShareRequest(crmId) {
      if (!RECORD_ID.test(crmId))
        throw new ValidationError(`salesforce share: '${crmId.slice(0, 40)}' is not a Salesforce record id`);
      const s = settings();
      const rows = await queryAll(session, shareSoql(s, [crmId]), { object: s.objectName });
      const row = rows[0];
      if (!row) return null;
      const read = toShareRequest(row, s, await currencyOf(s));
      if (!read.ok) throw new ValidationError(read.error);
      return read.request;
    },
    async linkReferral(crmId, link) {
      if (!RECORD_ID.test(crmId))
        throw new ValidationError(`salesforce share: '${crmId.slice(0, 40)}' is not a Salesforce record id`);
      const s = settings();
      const body = { [s.externalIdField]: link.referralId, [s.share.link]: link.url, [s.fields.message]: null };
      // PATCH by Id: update-only, a deleted opportunity answers NOT_FOUND instead of being re-created.
      await updateById(session, s.objectName, crmId, body, { object: s.objectName });
    },
  };
}

/** For `doctor`: the share fields (a Relationship.Field path is checked on the parent object). */
export function shareFields(o: SalesforceOptions): FieldRequirement[] {
  const share = o.outbound?.fields.share;
  if (!share) return [];
  const opp = o.objectName;
  const readable = (path: string | null, purpose: string): FieldRequirement[] => {
    if (path === null) return [];
    const [head, tail] = path.split('.') as [string, string | undefined];
    if (tail === undefined) return [{ object: opp, field: head, role: 'readable', purpose }];
    // Account.X is the standard lookup; a custom Foo__r names the lookup Foo__c, whose target doctor cannot know here.
    return head === 'Account'
      ? [{ object: 'Account', field: tail, role: 'readable', purpose }]
      : [
          {
            object: opp,
            field: head.endsWith('__r') ? `${head.slice(0, -3)}__c` : `${head}Id`,
            role: 'readable',
            purpose,
          },
        ];
  };
  return [
    ...readable(share.flag, 'share with Microsoft flag'),
    ...readable(share.helpType, 'How can Microsoft help?'),
    ...readable(share.solutions, 'Partner Center solutions'),
    ...readable(share.visibility, 'referral visibility (deal kind)'),
    { object: opp, field: share.link, role: 'writable', purpose: 'link to the created referral' },
    { object: opp, field: o.externalIdField, role: 'writable', purpose: 'referral id of a shared opportunity' },
    ...readable(share.customerName, 'customer name'),
    ...readable(share.customerCountry, 'customer country (ISO-2)'),
    ...readable(share.contactFirstName, 'customer contact first name'),
    ...readable(share.contactLastName, 'customer contact last name'),
    ...readable(share.contactEmail, 'customer contact email'),
    ...readable(share.contactPhone, 'customer contact phone'),
  ];
}
