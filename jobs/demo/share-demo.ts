import type { FakePartnerCenter } from '../../test/fakes/partner-center/server.ts';
import type { FakeSalesforce } from '../../test/fakes/salesforce/fake-salesforce.ts';
import { HELP_TYPES_FOR_DEMO } from './share-help-types.ts';
import { html, safeText } from '../http/render/html.ts';

/*
 * The demo's half of issue 16: opportunities sellers created themselves (no referral), which a
 * seller can share with Microsoft from the simulated CRM, and Microsoft's answer to a co-sell from
 * the simulated Partner Center. Invented companies; emails use the reserved .example domain.
 */

const DEALS = [
  {
    name: 'Fabrikam data platform',
    company: 'Fabrikam Foods GmbH',
    country: 'DE',
    amount: 120_000,
    contact: ['Jonas', 'Keller'],
  },
  {
    name: 'Tailspin fleet analytics',
    company: 'Tailspin Toys Ltd',
    country: 'GB',
    amount: 48_000,
    contact: ['Amira', 'Shah'],
  },
  // No solution id yet: sharing it shows what is missing on the opportunity.
  { name: 'Wingtip ERP migration', company: 'Wingtip Traders SA', country: 'FR', amount: 75_000, contact: null },
] as const;

/** Seeds the sellers' own opportunities (not shared yet). */
export function seedSellerDeals(sf: FakeSalesforce): void {
  for (const d of DEALS) {
    const accountId = sf.setRecord('Account', { Name: d.company, BillingCountry: d.country });
    const contactId = d.contact
      ? sf.setRecord('Contact', {
          FirstName: d.contact[0],
          LastName: d.contact[1],
          Email: `${d.contact[0].toLowerCase()}@${d.company.split(' ')[0]?.toLowerCase() ?? 'customer'}.example`,
          AccountId: accountId,
        })
      : null;
    sf.setRecord('Opportunity', {
      Name: d.name,
      StageName: 'Qualification',
      CloseDate: '2026-12-31',
      Amount: d.amount,
      AccountId: accountId,
      Referral_Contact__c: contactId,
      Partner_Center_Solutions__c: d.contact ? 'SOL-DEMO-001' : null,
    });
  }
}

const str = (v: unknown): string => (v === null || v === undefined ? '' : String(v));

/** The simulated CRM's table of opportunities without a referral, each with a "Share with Microsoft" form. */
export function sellerDealsTable(sf: FakeSalesforce): unknown {
  const own = sf.records('Opportunity').filter((o) => !o.Referral_Id__c);
  const rows = own.map((o) => {
    const id = encodeURIComponent(str(o.Id));
    const shared = o.Sync_With_Partner_Center__c === true;
    const help = html`<select name="help" aria-label="How can Microsoft help?">
      <option value="">(no help: partner-led)</option>
      ${HELP_TYPES_FOR_DEMO.map((h) => html`<option>${h}</option>`)}
    </select>`;
    return html`<tr data-own-opportunity="${str(o.Id)}">
      <td>${str(o.Name)}</td>
      <td class="num">${str(o.Amount)}</td>
      <td>${str(o.Partner_Center_Solutions__c)}</td>
      <td>${safeText(str(o.Referral_Sync_Message__c))}</td>
      <td>
        ${
          shared
            ? html`<span class="muted">shared: waiting for the next poll</span>`
            : html`<form class="inline" method="post" action="/demo/crm/${id}/share">
                ${help}<button type="submit">Share with Microsoft</button>
              </form>`
        }
      </td>
    </tr>`;
  });
  return html`<h3>Your own opportunities (not from a referral)</h3>
    <p class="muted">Sharing creates one Partner Center referral; its id and link then appear on the opportunity.</p>
    <table id="own-opportunities">
      <tr>
        <th>Opportunity</th>
        <th>Amount</th>
        <th>Solutions</th>
        <th>Sync message</th>
        <th>Share</th>
      </tr>
      ${rows}
    </table>`;
}

/** The seller ticks "Sync with Partner Center" (and picks a help type for a co-sell). */
export function shareAsSeller(sf: FakeSalesforce, id: string, help: string): boolean {
  if (help !== '' && !HELP_TYPES_FOR_DEMO.some((h) => h === help)) return false;
  sf.updateAsUser(id, { Sync_With_Partner_Center__c: true, How_Can_Microsoft_Help__c: help === '' ? null : help });
  return true;
}

/** Microsoft accepts a shared co-sell (its copy of the engagement); false when the referral is none. */
export function microsoftAccepts(pc: FakePartnerCenter, referralId: string): boolean {
  try {
    pc.answerCoSell(referralId, 'accept');
    return true;
  } catch {
    return false;
  }
}
