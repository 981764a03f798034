import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Referral } from '../../src/domain/referral.ts';
import type { CrmLeads } from '../../src/ports/crm-leads.ts';
import type { CrmConnector, OpportunityDraft } from '../../src/ports/crm.ts';
import { CONTOSO, contractReferral, FABRIKAM } from './contract-referrals.ts';
import { okIds } from './crm-harness.ts';

/*
 * The CRM contract for referrals as Leads (issue 16), run against each connector's Lead
 * capability and its fake, like crm-connector.contract.ts: upsert by key, a seller's decline and
 * conversion as the outbound poll reads them, the referral key moving to the converted
 * opportunity, and the expiry task going on the Lead. Each runner translates the seller's
 * actions into its CRM's (Salesforce: Status + convertLead; Dataverse: statecode + QualifyLead).
 */

export interface LeadContractHarness {
  readonly leads: CrmLeads;
  /** The opportunity side of the same connector (reads by referral key). */
  readonly opportunities: CrmConnector;
  /** The default mapping's lead section applied for this CRM. */
  leadDraftFor(referral: Referral, now: Date): OpportunityDraft;
  /** Leads carrying a referral id, as the fake holds them. */
  leadRows(): { crmId: string; referralId: string }[];
  /** The seller disqualifies the lead with the CRM's own reason value. */
  sellerDisqualifies(leadId: string): void;
  /** The Partner Center reason the default mapping makes of that reason value. */
  readonly declineReason: string;
  /** The seller converts (qualifies) the lead; returns the new opportunity's id. */
  sellerConverts(leadId: string): string;
  /** Follow-up tasks linked to the lead. */
  tasksForLead(leadId: string): number;
  close(): Promise<void>;
}

export function runLeadContract(name: string, make: () => Promise<LeadContractHarness>): void {
  describe(`CRM lead contract: ${name}`, () => {
    let h: LeadContractHarness;
    beforeEach(async () => {
      h = await make();
    });
    afterEach(async () => {
      await h.close();
    });

    const synced = async (...ns: number[]) => {
      const drafts = ns.map((n) => h.leadDraftFor(contractReferral(n, n % 2 ? CONTOSO : FABRIKAM), new Date()));
      return { drafts, ids: okIds(await h.leads.upsertLeads(drafts)) };
    };

    it('upserts one lead per referral; again: the same leads, nothing created [lead-upsert-idempotent]', async () => {
      const first = await synced(1, 2);
      const again = await h.leads.upsertLeads(first.drafts);
      expect(again.map((r) => r.ok && [r.crmId, r.created])).toEqual(first.ids.map((id) => [id, false]));
      expect(h.leadRows()).toHaveLength(2);
      expect((await h.leads.readLeadStamp(first.drafts[0]?.referralId ?? ''))?.crmId).toBe(first.ids[0]);
    });

    it('reads a disqualified lead as a decline with the mapped reason [lead-decline]', async () => {
      const { ids } = await synced(1);
      const leadId = ids[0] ?? '';
      h.sellerDisqualifies(leadId);
      const page = await h.leads.listChangedSince(null, 0);
      expect(page.snapshots.map((s) => [s.crmId, s.decision, s.declineReason])).toEqual([
        [leadId, 'decline', h.declineReason],
      ]);
    });

    it('reads a converted lead as an accept and names its opportunity [lead-convert]', async () => {
      const { ids } = await synced(1);
      const leadId = ids[0] ?? '';
      expect(await h.leads.conversionOf(leadId)).toBeNull();
      const oppId = h.sellerConverts(leadId);
      const snapshot = await h.leads.getSnapshot(leadId);
      expect([snapshot?.decision, await h.leads.conversionOf(leadId)]).toEqual(['accept', oppId]);
    });

    it('moves the referral key onto the converted opportunity, idempotently [lead-key-moves]', async () => {
      const { drafts, ids } = await synced(1);
      const referralId = drafts[0]?.referralId ?? '';
      const oppId = h.sellerConverts(ids[0] ?? '');
      await h.leads.keyOpportunity(oppId, referralId);
      await h.leads.keyOpportunity(oppId, referralId);
      expect((await h.opportunities.readStamp(referralId))?.crmId).toBe(oppId);
    });

    it('puts the expiry task on the lead, once per level [lead-expiry-task]', async () => {
      const { drafts, ids } = await synced(1);
      const warning = {
        referralId: drafts[0]?.referralId ?? '',
        crmId: ids[0] ?? '',
        level: '24h',
        deadline: new Date(Date.now() + 86_400_000),
        taskSubject: 'Referral expires in 24 h',
        taskDescription: 'Accept or decline it in the CRM.',
      };
      await h.leads.expiry.applyExpiryWarning(warning);
      await h.leads.expiry.applyExpiryWarning(warning);
      expect(h.tasksForLead(warning.crmId)).toBe(1);
      const applied = await h.leads.expiry.readAppliedExpiry({ ...warning, alerts: ['24h', '4h'] });
      expect([applied.level, [...applied.tasks]]).toEqual(['24h', ['24h']]);
    });
  });
}
