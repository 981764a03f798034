import { toOpportunityDraft } from '../../src/mapping/apply.ts';
import type { Mapping } from '../../src/mapping/schema.ts';
import { loadMappingFile } from '../../jobs/mapping-file.ts';
import { SELLER_ID, type Row } from '../fakes/dataverse/index.ts';
import { startDataverseHarness } from '../fakes/dataverse/dataverse-harness.ts';
import { runCrmConnectorContract, type CrmContractHarness, type SellerEdit } from './crm-connector.contract.ts';
import { num, text } from './crm-harness.ts';

/*
 * The shared contract against the Dynamics 365 connector (axios + msal) over HTTP to the fake
 * Dataverse, configured from config/mapping.default.yaml as a deployment would be. The decision
 * and decline reason are choice columns: the org's labels come back as FormattedValue
 * annotations, which is all the default mapping (no decisionChoices) relies on.
 */

const DECISION = { accept: 100_000_000, decline: 100_000_001 } as const;
const REASONS: Record<string, number> = {
  Budget: 100_000_000,
  'No response': 100_000_001,
  Competitor: 100_000_002,
  'Not a fit': 100_000_003,
};
const labels = (values: Record<string, number>): Record<string, string> =>
  Object.fromEntries(Object.entries(values).map(([label, v]) => [String(v), label]));

let mapping: Promise<Mapping> | undefined;

async function dynamicsHarness(): Promise<CrmContractHarness> {
  const m = await (mapping ??= loadMappingFile('config/mapping.default.yaml'));
  const section = m.dynamics;
  if (!section) throw new Error('config/mapping.default.yaml has no dynamics section');
  const f = section.outbound;
  const accounts = section.account?.entitySet ?? 'accounts';
  const h = await startDataverseHarness({
    fake: {
      opportunityKey: section.alternateKey,
      choices: {
        [f.decision]: labels({ Accept: DECISION.accept, Decline: DECISION.decline }),
        [f.declineReason]: labels(REASONS),
      },
    },
    connector: {
      // Two rows per page (odata.maxpagesize): listing and account lookups must follow nextLink.
      pageSize: 2,
      entitySet: section.entitySet,
      alternateKey: section.alternateKey,
      account: { entitySet: accounts },
      outbound: { fields: f, rules: m.outbound },
    },
  });
  const { fake, connector } = h;
  const { expiryColumns } = connector.settings;

  const latestNote = (opportunityId: string): string | null => {
    const notes = fake.records('annotations').filter((n) => n._objectid_value === opportunityId);
    const last = notes.at(-1);
    return last ? text(last.notetext) : null;
  };
  const toNeutral = (r: Row) => ({
    crmId: String(r.opportunityid),
    referralId: String(r[section.alternateKey]),
    accountId: text(r._customerid_value),
    name: text(r[f.name]),
    amount: num(r[f.dealValue]),
    // On a closed (read-only) row the message arrives as a note on the opportunity instead.
    message: text(r[f.message]) ?? latestNote(String(r.opportunityid)),
    expiryLevel: text(r[expiryColumns.level]),
    expiresAt: text(r[expiryColumns.expiresAt]),
  });

  return {
    connector,
    draftFor: (referral, now) => toOpportunityDraft('dynamics', referral, now, m),
    opportunities: () =>
      fake
        .records(section.entitySet)
        .filter((r) => typeof r[section.alternateKey] === 'string')
        .map(toNeutral),
    accountCount: () => fake.records(accounts).length,
    async sellerEdits(crmId: string, edit: SellerEdit) {
      const cols: Row = {};
      if (edit.decision !== undefined) cols[f.decision] = DECISION[edit.decision];
      if (edit.declineReason !== undefined) {
        const reason = REASONS[edit.declineReason];
        if (reason === undefined)
          throw new Error(`no decline reason choice '${edit.declineReason}' in the contract org`);
        cols[f.declineReason] = reason;
      }
      if (edit.amount !== undefined) cols[f.dealValue] = edit.amount;
      if (Object.keys(cols).length > 0) fake.updateAsUser(crmId, cols, section.entitySet);
      if (edit.addTeamMember) {
        // The Sales Team subgrid: a connection from the opportunity to the user.
        const m = edit.addTeamMember;
        const user = fake.seed('systemusers', {
          firstname: m.firstName,
          lastname: m.lastName,
          internalemailaddress: m.email,
        });
        fake.seed('connections', {
          _record1id_value: crmId,
          '_record1id_value@Microsoft.Dynamics.CRM.lookuplogicalname': 'opportunity',
          record1objecttypecode: 3,
          _record2id_value: user.systemuserid,
          '_record2id_value@Microsoft.Dynamics.CRM.lookuplogicalname': 'systemuser',
          record2objecttypecode: 8,
        });
      }
      // Closing is the WinOpportunity / LoseOpportunity action (never a statecode write),
      // as the seller's "Close as Won/Lost" dialog does.
      if (edit.closeWon) await connector.closeOpportunity(crmId, 'won', { subject: 'Signed' });
      if (edit.closeLost) await connector.closeOpportunity(crmId, 'lost', { subject: 'Lost to a competitor' });
    },
    sellerCreates(name) {
      fake.seed(section.entitySet, {
        name,
        estimatedvalue: 900,
        _createdby_value: SELLER_ID,
        _modifiedby_value: SELLER_ID,
      });
    },
    tasksFor: (crmId) =>
      fake
        .records('tasks')
        .filter((t) => t._regardingobjectid_value === crmId)
        .map((t) => ({ subject: String(t.subject) })),
    expireSession: () => fake.revokeAccessTokens(),
    failNextWrite(status) {
      // Armed when the next write reaches the fake, so it hits that call and not a read before it.
      fake.onRequest((route) => {
        if (route !== 'batch' && route !== 'upsert' && route !== 'create') return;
        fake.onRequest(undefined);
        fake.failNext(1, { status, message: status === 503 ? 'Service Unavailable' : 'An unexpected error occurred.' });
      });
    },
    rejectNextWriteOf(referralId, message) {
      // 0x80040265: a plug-in or real-time workflow rejected the save (InvalidPluginExecutionException).
      fake.failWrites((w) => w.table === section.entitySet && w.key === referralId, {
        status: 400,
        code: '0x80040265',
        message,
      });
    },
    unknownCrmId: '00000000-0000-4000-8000-000000000000',
    sellerSharesOpportunity(o) {
      const account = fake.seed(accounts, { name: o.customerName, address1_country: o.country });
      const contact = o.contact
        ? fake.seed('contacts', {
            firstname: o.contact.firstName,
            lastname: o.contact.lastName,
            emailaddress1: o.contact.email,
          })
        : null;
      const LOOKUP = '@Microsoft.Dynamics.CRM.lookuplogicalname';
      const row = fake.seed(section.entitySet, {
        name: o.name,
        estimatedvalue: o.amount,
        estimatedclosedate: o.closeDate,
        statecode: 0,
        _customerid_value: account.accountid,
        [`_customerid_value${LOOKUP}`]: 'account',
        ...(contact
          ? { _parentcontactid_value: contact.contactid, [`_parentcontactid_value${LOOKUP}`]: 'contact' }
          : {}),
        new_partnercentersolutions: o.solutions,
        new_howcanmicrosofthelp: o.helpType,
        new_syncwithpartnercenter: o.flag ?? true,
      });
      return Promise.resolve(String(row.opportunityid));
    },
    linkOf: (crmId) => text(fake.records(section.entitySet).find((r) => r.opportunityid === crmId)?.new_referrallink),
    close: () => h.close(),
  };
}

runCrmConnectorContract('dynamics', dynamicsHarness);
