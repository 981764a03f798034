import { toOpportunityDraft } from '../../src/mapping/apply.ts';
import type { Mapping } from '../../src/mapping/schema.ts';
import { loadMappingFile } from '../../jobs/mapping-file.ts';
import type { SfRecord, SfValue } from '../fakes/salesforce/index.ts';
import { startSalesforceHarness } from '../fakes/salesforce/salesforce-harness.ts';
import { runCrmConnectorContract, type CrmContractHarness, type SellerEdit } from './crm-connector.contract.ts';
import { num, text } from './crm-harness.ts';

/*
 * The shared contract against the Salesforce connector (jsforce) over HTTP to the fake org,
 * configured from config/mapping.default.yaml as a deployment would be.
 */

let mapping: Promise<Mapping> | undefined;

async function salesforceHarness(): Promise<CrmContractHarness> {
  const m = await (mapping ??= loadMappingFile('config/mapping.default.yaml'));
  const section = m.salesforce;
  if (!section) throw new Error('config/mapping.default.yaml has no salesforce section');
  const h = await startSalesforceHarness({
    // Two rows per query page: listing and account lookups must follow every page.
    fake: { pageSize: 2 },
    connector: {
      objectName: section.object,
      externalIdField: section.externalIdField,
      outbound: { fields: section.outbound, rules: m.outbound },
    },
  });
  const { fake, connector } = h;
  const f = section.outbound;
  const { expiryFields } = connector.settings;
  const object = section.object;
  const accountObject = section.account?.object ?? 'Account';

  const toNeutral = (r: SfRecord) => ({
    crmId: String(r.Id),
    referralId: String(r[section.externalIdField]),
    accountId: text(r.AccountId),
    name: text(r[f.name]),
    amount: num(r[f.dealValue]),
    message: text(r[f.message]),
    expiryLevel: text(r[expiryFields.level]),
    expiresAt: text(r[expiryFields.expiresAt]),
  });

  return {
    connector,
    draftFor: (referral, now) => toOpportunityDraft('salesforce', referral, now, m),
    opportunities: () =>
      fake
        .records(object)
        .filter((r) => typeof r[section.externalIdField] === 'string')
        .map(toNeutral),
    accountCount: () => fake.records(accountObject).length,
    sellerEdits(crmId: string, edit: SellerEdit) {
      const values: Record<string, SfValue> = {};
      if (edit.decision !== undefined) values[f.decision] = edit.decision === 'accept' ? 'Accept' : 'Decline';
      if (edit.declineReason !== undefined) values[f.declineReason] = edit.declineReason;
      if (edit.amount !== undefined) values[f.dealValue] = edit.amount;
      // IsClosed/IsWon follow the stage's OpportunityStage entry, as in a real org.
      if (edit.closeWon) values.StageName = 'Closed Won';
      if (edit.closeLost) values.StageName = 'Closed Lost';
      if (Object.keys(values).length > 0) fake.updateAsUser(crmId, values);
      if (edit.addTeamMember) {
        const m = edit.addTeamMember;
        const userId = fake.setRecord('User', { FirstName: m.firstName, LastName: m.lastName, Email: m.email });
        fake.setRecord('OpportunityTeamMember', { OpportunityId: crmId, UserId: userId, TeamMemberRole: 'Sales Rep' });
      }
      return Promise.resolve();
    },
    sellerCreates(name) {
      fake.setRecord(object, { Name: name, StageName: 'Prospecting', CloseDate: '2030-09-30', Amount: 900 });
    },
    tasksFor: (crmId) =>
      fake
        .records('Task')
        .filter((t) => t.WhatId === crmId)
        .map((t) => ({ subject: String(t.Subject) })),
    expireSession: () => fake.expireTokens(),
    failNextWrite: (status) => fake.failNextWrite(status),
    rejectNextWriteOf: (referralId, message) =>
      fake.failRecord(referralId, 'FIELD_CUSTOM_VALIDATION_EXCEPTION', 1, message),
    unknownCrmId: '006000000000ZZZAAA',
    sellerSharesOpportunity(o) {
      const accountId = fake.setRecord('Account', { Name: o.customerName, BillingCountry: o.country });
      const contactId = o.contact
        ? fake.setRecord('Contact', {
            FirstName: o.contact.firstName,
            LastName: o.contact.lastName,
            Email: o.contact.email,
          })
        : null;
      return Promise.resolve(
        fake.setRecord(object, {
          Name: o.name,
          StageName: 'Qualification',
          CloseDate: o.closeDate,
          Amount: o.amount,
          AccountId: accountId,
          Referral_Contact__c: contactId,
          Partner_Center_Solutions__c: o.solutions,
          How_Can_Microsoft_Help__c: o.helpType,
          Sync_With_Partner_Center__c: o.flag ?? true,
        }),
      );
    },
    linkOf: (crmId) => text(fake.record(object, crmId)?.Referral_Link__c),
    close: () => h.close(),
  };
}

runCrmConnectorContract('salesforce', salesforceHarness);
