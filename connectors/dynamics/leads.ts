import { z } from 'zod';
import { ValidationError } from '../../src/errors.ts';
import type { Logger } from '../../src/log/logger.ts';
import type { CrmSnapshot } from '../../src/outbound/crm-snapshot.ts';
import { leadSnapshot, type LeadDecisionRules } from '../../src/outbound/lead-decision.ts';
import type { CrmLeads } from '../../src/ports/crm-leads.ts';
import type { ChangeCursor, UpsertResult } from '../../src/ports/crm.ts';
import type { DataverseHttp } from './dataverse-http.ts';
import { applyExpiryWarning, readAppliedExpiry } from './expiry-writer.ts';
import { byId, isGuid, query, unkeyableResults } from './odata.ts';
import { readStamp } from './read-stamp.ts';
import { upsertByKey } from './upsert-by-key.ts';

/*
 * Referrals as Dataverse leads (issue 16, docs/crm-leads.md). The seller qualifies a lead in the
 * app (the QualifyLead action): the lead turns statecode 1 (Qualified) and the new opportunity
 * names it in originatingleadid. Disqualifying sets statecode 2 with a status reason (4 Lost,
 * 5 Cannot Contact, 6 No Longer Interested, 7 Canceled), which maps to a decline reason.
 */

export interface DynamicsLeadSettings {
  opportunitySet: string;
  opportunityKey: string;
  alternateKey: string;
  reasonMap: Record<string, string>;
  message: string | null;
  expiryColumns: { expiresAt: string; level: string };
  maxBatch: number;
}

const LEADS = 'leads';
const QUALIFIED = 1;
const DISQUALIFIED = '2';
const Conversion = z.object({ value: z.array(z.looseObject({ opportunityid: z.string() })) });

export function dynamicsLeads(http: DataverseHttp, s: DynamicsLeadSettings, log?: Logger): CrmLeads {
  const rules: LeadDecisionRules = { declineStatuses: [DISQUALIFIED], reasonMap: s.reasonMap };
  const select = ['leadid', s.alternateKey, 'modifiedon', 'companyname', 'subject', 'statecode', 'statuscode'].join(
    ',',
  );
  const checkId = (id: string, what: string): void => {
    if (!isGuid(id)) throw new ValidationError(`dynamics ${what}: '${id.slice(0, 40)}' is not a row id`);
  };

  /** The opportunity QualifyLead made from the lead (the oldest, if several); null when none. */
  async function conversionOf(leadId: string): Promise<string | null> {
    checkId(leadId, 'conversionOf');
    const res = await http.call({
      method: 'GET',
      path: `${s.opportunitySet}${query({
        $select: 'opportunityid',
        $filter: `_originatingleadid_value eq ${leadId.toLowerCase()}`,
        $orderby: 'createdon asc',
        $top: '1',
      })}`,
    });
    const parsed = Conversion.safeParse(res.data);
    if (!parsed.success) throw new ValidationError('dynamics opportunities by originating lead: unreadable response');
    return parsed.data.value[0]?.opportunityid.toLowerCase() ?? null;
  }

  async function toSnapshot(
    row: Record<string, unknown>,
  ): Promise<{ ok: true; snapshot: CrmSnapshot } | { ok: false; crmId: string; error: string }> {
    const crmId = typeof row.leadid === 'string' ? row.leadid : '(no leadid)';
    const referralId = row[s.alternateKey];
    if (typeof referralId !== 'string' || referralId === '' || typeof row.modifiedon !== 'string')
      return { ok: false, crmId, error: `lead ${crmId}: ${s.alternateKey} or modifiedon is missing` };
    const state = typeof row.statecode === 'number' ? row.statecode : null;
    // Only a qualified lead is looked up for its opportunity (one query each, rare).
    const convertedTo = state === QUALIFIED ? await conversionOf(crmId) : null;
    const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);
    return {
      ok: true,
      snapshot: leadSnapshot(
        {
          crmId,
          referralId,
          modstamp: row.modifiedon,
          name: text(row.companyname) ?? text(row.subject) ?? '',
          convertedTo,
          status: state === null ? null : String(state),
          reason: typeof row.statuscode === 'number' ? String(row.statuscode) : null,
        },
        rules,
      ),
    };
  }

  return {
    maxBatchSize: s.maxBatch,

    async upsertLeads(drafts) {
      const results: (UpsertResult | undefined)[] = unkeyableResults(drafts);
      const sendable = drafts.flatMap((d, i) => (results[i] === undefined ? [{ d, i }] : []));
      if (sendable.length > 0) {
        const table = { entitySet: LEADS, keyColumn: s.alternateKey, idColumn: 'leadid' };
        const outcomes = await upsertByKey(
          http,
          s.maxBatch,
          sendable.map(({ d }) => ({ table, key: d.referralId, body: d.fields, referralId: d.referralId })),
        );
        sendable.forEach(({ d, i }, j) => {
          const o = outcomes[j];
          results[i] = !o
            ? { referralId: d.referralId, ok: false, error: new ValidationError(`referral ${d.referralId}: not sent`) }
            : o.ok
              ? { referralId: d.referralId, ok: true, crmId: o.id, created: o.created }
              : { referralId: d.referralId, ok: false, error: o.error };
        });
      }
      return results.map(
        (r, i) => r ?? { referralId: drafts[i]?.referralId ?? '', ok: false, error: new ValidationError('not sent') },
      );
    },

    readLeadStamp: (referralId) =>
      readStamp(http, { entitySet: LEADS, alternateKey: s.alternateKey, idColumn: 'leadid', noun: 'lead' }, referralId),

    conversionOf,

    async keyOpportunity(opportunityId, referralId) {
      checkId(opportunityId, 'keyOpportunity');
      // Update only (If-Match: *): the opportunity must exist; never re-created by this PATCH.
      await http.call(
        {
          method: 'PATCH',
          path: byId(s.opportunitySet, opportunityId),
          body: { [s.opportunityKey]: referralId },
          headers: { 'If-Match': '*' },
        },
        referralId,
      );
    },

    async listChangedSince(cursor: ChangeCursor | null, overlapMs: number) {
      const from = cursor === null ? undefined : Date.parse(cursor.modstamp) - overlapMs;
      if (from !== undefined && Number.isNaN(from))
        throw new ValidationError('dynamics leads: the cursor modstamp is not a date-time');
      const filter = `${s.alternateKey} ne null${from === undefined ? '' : ` and modifiedon ge ${new Date(from).toISOString()}`}`;
      const latest = new Map<string, Record<string, unknown>>();
      for await (const page of http.pages(
        `${LEADS}${query({ $select: select, $filter: filter, $orderby: 'modifiedon asc,leadid asc' })}`,
      ))
        for (const row of page) if (typeof row.leadid === 'string') latest.set(row.leadid, row);
      const snapshots: CrmSnapshot[] = [];
      const invalid: { crmId: string; error: string }[] = [];
      let top = cursor;
      for (const row of latest.values()) {
        const read = await toSnapshot(row);
        if (read.ok) snapshots.push(read.snapshot);
        else invalid.push({ crmId: read.crmId, error: read.error });
        const at = typeof row.modifiedon === 'string' ? Date.parse(row.modifiedon) : Number.NaN;
        const id = String(row.leadid);
        const topAt = top ? Date.parse(top.modstamp) : Number.NEGATIVE_INFINITY;
        if (!Number.isNaN(at) && (at > topAt || (at === topAt && top !== null && id > top.id)))
          top = { modstamp: String(row.modifiedon), id };
      }
      return { snapshots, invalid, cursor: top };
    },

    async getSnapshot(leadId) {
      checkId(leadId, 'getSnapshot');
      const r = await http.attempt({ method: 'GET', path: `${byId(LEADS, leadId)}${query({ $select: select })}` });
      if (!r.ok) {
        if (r.failure.status === 404) return null;
        throw r.error;
      }
      const read = await toSnapshot(
        typeof r.res.data === 'object' && r.res.data !== null ? (r.res.data as Record<string, unknown>) : {},
      );
      if (!read.ok) throw new ValidationError(read.error);
      return read.snapshot;
    },

    async writeStatus(leadId, write) {
      checkId(leadId, 'writeStatus');
      if (write.message === undefined || s.message === null) return;
      const r = await http.attempt({
        method: 'PATCH',
        path: byId(LEADS, leadId),
        body: { [s.message]: write.message },
        headers: { 'If-Match': '*' },
      });
      if (!r.ok)
        log?.warn({ leadId, status: r.failure.status }, 'dynamics: could not write the sync message on the lead');
    },

    expiry: {
      applyExpiryWarning: (w) =>
        applyExpiryWarning(http, { entitySet: LEADS, expiryColumns: s.expiryColumns, regarding: 'lead' }, w),
      readAppliedExpiry: (q) => readAppliedExpiry(http, { entitySet: LEADS, expiryColumns: s.expiryColumns }, q),
    },
  };
}
