import { ValidationError } from '../../src/errors.ts';
import type { DynamicsOutboundFields } from '../../src/mapping/outbound-fields.ts';
import type { DynamicsShareFields } from '../../src/mapping/share-fields.ts';
import type { CrmShare } from '../../src/ports/crm-share.ts';
import type { ShareRequest } from '../../src/share/share-request.ts';
import type { DataverseHttp } from './dataverse-http.ts';
import { byId, isGuid, query } from './odata.ts';
import { EXPAND_CURRENCY, FORMATTED_VALUES } from './snapshot.ts';

/*
 * Opportunities a seller marked to share with Microsoft (issue 16), read through the Web API.
 * The customer account and contact are lookups, expanded in the same request; a choice column
 * (help type, visibility) is read by its label (FormattedValue annotation).
 */

export interface ShareColumns {
  entitySet: string;
  alternateKey: string;
  fields: DynamicsOutboundFields;
  share: DynamicsShareFields;
}

const FORMATTED = '@OData.Community.Display.V1.FormattedValue';
const text = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v : null);

/** Pure: `$select` and `$expand` of the share read. */
export function shareQueryParts(c: ShareColumns): { select: string; expand: string } {
  const f = c.fields;
  const sh = c.share;
  const own = [
    'opportunityid',
    'modifiedon',
    c.alternateKey,
    sh.flag,
    sh.helpType,
    sh.solutions,
    sh.visibility,
    f.name,
    f.dealValue,
    f.closeDate,
    f.notes,
  ];
  const contact = [sh.contact.firstName, sh.contact.lastName, sh.contact.email, sh.contact.phone].filter(
    (x): x is string => x !== null,
  );
  return {
    select: [...new Set(own.filter((x): x is string => x !== null))].join(','),
    expand: [
      EXPAND_CURRENCY,
      `${sh.customer.nav}($select=${[sh.customer.name, sh.customer.country].join(',')})`,
      `${sh.contact.nav}($select=${contact.join(',')})`,
    ].join(','),
  };
}

/** A choice reads as its label, a text column as itself. */
const choiceOrText = (row: Record<string, unknown>, column: string | null): string | null => {
  if (column === null) return null;
  const v = row[column];
  if (typeof v === 'number') return text(row[`${column}${FORMATTED}`]) ?? String(v);
  return text(v);
};

const nested = (row: Record<string, unknown>, nav: string): Record<string, unknown> => {
  const v = row[nav];
  return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
};

/** Pure: one row -> ShareRequest; null fields stay null (build-referral.ts names what is missing). */
export function toShareRequest(
  row: Record<string, unknown>,
  c: ShareColumns,
): ShareRequest | { error: string; crmId: string } {
  const f = c.fields;
  const sh = c.share;
  const crmId = typeof row.opportunityid === 'string' ? row.opportunityid : '';
  const modstamp = text(row.modifiedon);
  if (crmId === '' || modstamp === null || Number.isNaN(Date.parse(modstamp)))
    return {
      crmId: crmId || '(no opportunityid)',
      error: `dynamics opportunity ${crmId || '(no id)'}: opportunityid or modifiedon missing`,
    };
  const value = row[f.dealValue];
  const currency = nested(row, 'transactioncurrencyid').isocurrencycode;
  const customer = nested(row, sh.customer.nav);
  const contact = nested(row, sh.contact.nav);
  const close = text(row[f.closeDate]);
  return {
    crmId,
    modstamp,
    referralId: text(row[c.alternateKey]),
    flag: row[sh.flag] === true,
    name: text(row[f.name]),
    dealValue: typeof value === 'number' ? value : null,
    currency: text(currency)?.toUpperCase() ?? null,
    closeDate: close !== null && /^\d{4}-\d{2}-\d{2}/.test(close) ? close.slice(0, 10) : null,
    notes: text(row[f.notes]),
    helpType: choiceOrText(row, sh.helpType),
    solutions: text(row[sh.solutions]),
    visibility: choiceOrText(row, sh.visibility),
    customer: { name: text(customer[sh.customer.name]), country: text(customer[sh.customer.country]) },
    contact: {
      firstName: text(contact[sh.contact.firstName]),
      lastName: text(contact[sh.contact.lastName]),
      email: text(contact[sh.contact.email]),
      phone: sh.contact.phone === null ? null : text(contact[sh.contact.phone]),
    },
  };
}

export function dynamicsShare(http: DataverseHttp, columns: () => ShareColumns): CrmShare {
  const checkId = (crmId: string): void => {
    if (!isGuid(crmId)) throw new ValidationError(`dynamics share: '${crmId.slice(0, 40)}' is not an opportunity id`);
  };
  return {
    async listShareRequests() {
      const c = columns();
      const { select, expand } = shareQueryParts(c);
      const path = `${c.entitySet}${query({
        $select: select,
        $expand: expand,
        $filter: `${c.share.flag} eq true and ${c.alternateKey} eq null`,
        $orderby: 'modifiedon asc,opportunityid asc',
      })}`;
      const requests: ShareRequest[] = [];
      const invalid: { crmId: string; error: string }[] = [];
      for await (const page of http.pages(path, FORMATTED_VALUES)) {
        for (const row of page) {
          const read = toShareRequest(row, c);
          if ('error' in read) invalid.push(read);
          else requests.push(read);
        }
      }
      return { requests, invalid };
    },
    async getShareRequest(crmId) {
      checkId(crmId);
      const c = columns();
      const { select, expand } = shareQueryParts(c);
      const r = await http.attempt({
        method: 'GET',
        path: `${byId(c.entitySet, crmId)}${query({ $select: select, $expand: expand })}`,
        headers: { Prefer: FORMATTED_VALUES },
      });
      if (!r.ok) {
        if (r.failure.status === 404) return null;
        throw r.error;
      }
      const row = typeof r.res.data === 'object' && r.res.data !== null ? (r.res.data as Record<string, unknown>) : {};
      const read = toShareRequest(row, c);
      if ('error' in read) throw new ValidationError(read.error);
      return read;
    },
    async linkReferral(crmId, link) {
      checkId(crmId);
      const c = columns();
      // If-Match: * makes the PATCH update-only: a deleted opportunity is not re-created.
      await http.call({
        method: 'PATCH',
        path: byId(c.entitySet, crmId),
        body: { [c.alternateKey]: link.referralId, [c.share.link]: link.url, [c.fields.message]: null },
        headers: { 'If-Match': '*' },
      });
    },
  };
}
