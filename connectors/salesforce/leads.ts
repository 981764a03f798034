import { z } from 'zod';
import { FatalError, ValidationError } from '../../src/errors.ts';
import { leadSnapshot, type LeadDecisionRules } from '../../src/outbound/lead-decision.ts';
import type { CrmSnapshot } from '../../src/outbound/crm-snapshot.ts';
import type { CrmLeads } from '../../src/ports/crm-leads.ts';
import type { ChangeCursor, CrmStatusWrite, FieldValue } from '../../src/ports/crm.ts';
import type { AccountDirectory } from '../shared/account-directory.ts';
import type { OwnerDirectory } from '../shared/owner-directory.ts';
import { applyExpiryWarning, readAppliedExpiry } from './expiry-writer.ts';
import { latestById } from './outbound-sync.ts';
import { readStamp } from './read-stamp.ts';
import type { SalesforceLeadOptions, SalesforceOptions } from './salesforce-options.ts';
import { parseResponse, type SalesforceSession } from './salesforce-session.ts';
import { MAX_COLLECTION, queryAll, updateById } from './sobject-writes.ts';
import { RECORD_ID, soqlDateTime } from './soql.ts';
import { upsertOpportunities } from './upsert-opportunities.ts';

/*
 * Referrals as Salesforce Leads (issue 16, docs/crm-leads.md). The seller converts a Lead in the
 * Salesforce UI (Salesforce's convertLead; jsforce speaks it over SOAP, which we never need):
 * the Lead then reads IsConverted = true and ConvertedOpportunityId, and becomes read-only. We
 * poll Leads as we poll opportunities, on (SystemModstamp, Id), and never write a converted one.
 */

const GONE = new Set(['NOT_FOUND', 'ENTITY_IS_DELETED']);
const Conversion = z.looseObject({
  IsConverted: z.boolean().nullable().optional(),
  ConvertedOpportunityId: z.string().nullable().optional(),
});

const checkId = (id: string, what: string): void => {
  if (!RECORD_ID.test(id))
    throw new ValidationError(`salesforce ${what}: '${id.slice(0, 40)}' is not a Salesforce record id`);
};

export function salesforceLeads(
  session: SalesforceSession,
  opts: SalesforceOptions,
  lead: SalesforceLeadOptions,
  accounts: AccountDirectory,
  owners: OwnerDirectory,
): CrmLeads {
  const object = 'Lead';
  const key = lead.externalIdField;
  const rules: LeadDecisionRules = { declineStatuses: lead.declineStatuses, reasonMap: lead.reasonMap };
  const select = [
    ...new Set([
      'Id',
      key,
      'SystemModstamp',
      'Company',
      'Status',
      'IsConverted',
      'ConvertedOpportunityId',
      lead.reasonField,
    ]),
  ];

  const toSnapshot = (
    row: Readonly<Record<string, unknown>>,
  ): { ok: true; snapshot: CrmSnapshot } | { ok: false; crmId: string; error: string } => {
    const crmId = typeof row.Id === 'string' ? row.Id : '(no Id)';
    const referralId = row[key];
    const modstamp = row.SystemModstamp;
    if (typeof referralId !== 'string' || referralId === '' || typeof modstamp !== 'string')
      return { ok: false, crmId, error: `Lead ${crmId}: ${key} or SystemModstamp is missing` };
    const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
    return {
      ok: true,
      snapshot: leadSnapshot(
        {
          crmId,
          referralId,
          modstamp,
          name: str(row.Company) ?? '',
          convertedTo: row.IsConverted === true ? str(row.ConvertedOpportunityId) : null,
          status: str(row.Status),
          reason: str(row[lead.reasonField]),
        },
        rules,
      ),
    };
  };

  return {
    maxBatchSize: MAX_COLLECTION,
    upsertLeads: (drafts) =>
      drafts.length === 0
        ? Promise.resolve([])
        : upsertOpportunities(
            session,
            { objectName: object, externalIdField: key, accountKeyField: opts.accountKeyField },
            drafts,
            accounts,
            owners,
          ),
    readLeadStamp: (referralId) => readStamp(session, { objectName: object, externalIdField: key }, referralId),

    async conversionOf(leadId) {
      checkId(leadId, 'conversionOf');
      const r = await session.attempt({
        method: 'GET',
        url: `/sobjects/Lead/${leadId}?fields=IsConverted,ConvertedOpportunityId`,
      });
      if (!r.ok) {
        if (r.failure.kind === 'api' && r.failure.code !== undefined && GONE.has(r.failure.code)) return null;
        throw session.toError(r.failure, { object });
      }
      const row = parseResponse(Conversion, r.body, 'Lead read');
      return row.IsConverted === true && row.ConvertedOpportunityId ? row.ConvertedOpportunityId : null;
    },

    async keyOpportunity(opportunityId, referralId) {
      checkId(opportunityId, 'keyOpportunity');
      await updateById(
        session,
        opts.objectName,
        opportunityId,
        { [opts.externalIdField]: referralId },
        { object: opts.objectName, referralId },
      );
    },

    async listChangedSince(cursor: ChangeCursor | null, overlapMs: number) {
      const cursorMs = cursor === null ? null : Date.parse(cursor.modstamp);
      if (cursorMs !== null && Number.isNaN(cursorMs))
        throw new FatalError('salesforce leads: the cursor modstamp is not a date-time');
      const where = [`${key} != null`];
      if (cursorMs !== null) where.push(`SystemModstamp >= ${soqlDateTime(new Date(cursorMs - overlapMs))}`);
      const rows = await queryAll(
        session,
        `SELECT ${select.join(', ')} FROM Lead WHERE ${where.join(' AND ')} ORDER BY SystemModstamp, Id`,
        { object },
      );
      const snapshots: CrmSnapshot[] = [];
      const invalid: { crmId: string; error: string }[] = [];
      let top = cursor;
      for (const { row, pair } of latestById(rows)) {
        const read = toSnapshot(row);
        if (read.ok) snapshots.push(read.snapshot);
        else invalid.push({ crmId: read.crmId, error: read.error });
        if (
          pair &&
          (!top || pair.ms > Date.parse(top.modstamp) || (pair.ms === Date.parse(top.modstamp) && pair.id > top.id))
        )
          top = { modstamp: new Date(pair.ms).toISOString(), id: pair.id };
      }
      return { snapshots, invalid, cursor: top };
    },

    async getSnapshot(leadId) {
      checkId(leadId, 'getSnapshot');
      const r = await session.attempt({ method: 'GET', url: `/sobjects/Lead/${leadId}?fields=${select.join(',')}` });
      if (!r.ok) {
        if (r.failure.kind === 'api' && r.failure.code !== undefined && GONE.has(r.failure.code)) return null;
        throw session.toError(r.failure, { object });
      }
      const read = toSnapshot(parseResponse(z.looseObject({ Id: z.string() }), r.body, 'Lead read'));
      if (!read.ok) throw new FatalError(read.error);
      return read.snapshot;
    },

    /** Only the message: a Lead has no stage, and a converted one takes no writes. */
    async writeStatus(leadId, write: CrmStatusWrite) {
      checkId(leadId, 'writeStatus');
      if (write.message === undefined || lead.message === null) return;
      const body: Record<string, FieldValue> = { [lead.message]: write.message };
      await updateById(session, 'Lead', leadId, body, { object });
    },

    expiry: {
      applyExpiryWarning: (w) =>
        applyExpiryWarning(
          session,
          {
            objectName: object,
            taskKeyField: opts.taskKeyField,
            expiryFields: lead.expiryFields,
            taskTimeZone: opts.taskTimeZone,
            taskLink: 'WhoId',
          },
          w,
        ),
      readAppliedExpiry: (q) =>
        readAppliedExpiry(
          session,
          {
            objectName: object,
            taskKeyField: opts.taskKeyField,
            expiryFields: lead.expiryFields,
            taskTimeZone: opts.taskTimeZone,
          },
          q,
        ),
    },
  };
}
