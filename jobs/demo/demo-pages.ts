import type { FakePartnerCenter } from '../../test/fakes/partner-center/server.ts';
import type { FakeSalesforce } from '../../test/fakes/salesforce/fake-salesforce.ts';
import { html, page, safeText } from '../http/render/html.ts';
import type { HttpRequest, HttpResponse, HttpRoute } from '../http/types.ts';
import { leadAction, leadTable } from './demo-leads.ts';
import { microsoftAccepts, sellerDealsTable, shareAsSeller } from './share-demo.ts';

/*
 * The demo's simulated CRM and Partner Center, served on the dashboard. Buttons edit the fake
 * Salesforce as a human seller would (`updateAsUser`), so outbound sync picks the change up on its
 * next poll and pushes the decision to the fake Partner Center. Company and deal names only.
 */

export const DEMO_NAV = [
  { href: '/demo/crm', label: 'Simulated CRM' },
  { href: '/demo/partner-center', label: 'Simulated Partner Center' },
] as const;

const DECLINE_REASONS = ['Budget', 'No response', 'Competitor', 'Not a fit'] as const;

const str = (v: unknown): string => (v === null || v === undefined ? '' : String(v));
const redirect = (location: string): HttpResponse => ({ status: 303, body: '', headers: { location } });

function crmPage(sf: FakeSalesforce, req: HttpRequest): HttpResponse {
  const opps = sf
    .records('Opportunity')
    .filter((o) => o.Referral_Id__c)
    .sort((a, b) => str(a.Name).localeCompare(str(b.Name)));
  const done = req.query.get('done');
  const rows = opps.map((o) => {
    const id = encodeURIComponent(str(o.Id));
    const act = (what: string, label: string, extra: unknown = '') =>
      html`<form class="inline" method="post" action="/demo/crm/${id}/${what}">${extra}<button type="submit">${label}</button></form>`;
    const amount = html`<input name="amount" size="7" aria-label="amount" value="${str(o.Amount) || '10000'}">`;
    const reasons = html`<select name="reason" aria-label="decline reason">${DECLINE_REASONS.map((r) => html`<option>${r}</option>`)}</select>`;
    // What a seller can do at this point: answer a new referral, or close an accepted one.
    const actionsFor = (status: string, closed: boolean) => {
      if (closed || status === 'Closed') return html`<span class="muted">closed</span>`;
      if (status === 'New') return html`${act('accept', 'Accept', amount)} ${act('decline', 'Decline', reasons)}`;
      return html`${act('won', 'Close Won')} ${act('lost', 'Close Lost')}`;
    };
    return html`<tr data-opportunity="${str(o.Id)}" data-referral="${str(o.Referral_Id__c)}"><td>${str(o.Name)}</td><td>${str(o.StageName)}</td>
<td class="num">${str(o.Amount)}</td><td>${str(o.Referral_Status__c)}/${str(o.Referral_Substatus__c)}</td><td>${str(o.Referral_Decision__c)}</td>
<td>${safeText(str(o.Referral_Sync_Message__c))}</td>
<td>${actionsFor(str(o.Referral_Status__c), o.IsClosed === true)}</td></tr>`;
  });
  const body = html`<h2>Simulated CRM: opportunities in the fake Salesforce</h2>
${done ? html`<p class="flash" id="flash">Saved as a seller would. Outbound sync reads it on its next CRM poll (every few seconds).</p>` : ''}
<p><a href="/demo/crm">Refresh</a> · decisions show up under <a href="/demo/partner-center">Simulated Partner Center</a></p>
<table id="opportunities"><tr><th>Opportunity</th><th>Stage</th><th>Amount</th><th>Referral status</th><th>Decision</th><th>Sync message</th><th>Seller actions</th></tr>${rows}</table>
${leadTable(sf)}
${sellerDealsTable(sf)}`;
  return { status: 200, body: page('Simulated CRM', body, { identity: req.identity, nav: DEMO_NAV }) };
}

function crmAction(sf: FakeSalesforce, req: HttpRequest): HttpResponse {
  const id = req.params.id ?? '';
  const onLead = leadAction(sf, id, req.params.action ?? '', new URLSearchParams(req.body.toString('utf8')));
  if (onLead) return onLead;
  if (!sf.record('Opportunity', id))
    return { status: 404, body: 'no such opportunity', headers: { 'content-type': 'text/plain' } };
  const form = new URLSearchParams(req.body.toString('utf8'));
  const amount = Number(form.get('amount'));
  const reason = form.get('reason') ?? '';
  switch (req.params.action) {
    case 'accept':
      sf.updateAsUser(id, {
        Referral_Decision__c: 'Accept',
        ...(Number.isFinite(amount) && amount > 0 ? { Amount: amount } : {}),
      });
      break;
    case 'decline':
      if (!DECLINE_REASONS.some((r) => r === reason))
        return { status: 400, body: 'pick a reason', headers: { 'content-type': 'text/plain' } };
      sf.updateAsUser(id, { Referral_Decision__c: 'Decline', Referral_Decline_Reason__c: reason });
      break;
    case 'won':
      sf.updateAsUser(id, { StageName: 'Closed Won' });
      break;
    case 'lost':
      sf.updateAsUser(id, { StageName: 'Closed Lost' });
      break;
    case 'share':
      if (!shareAsSeller(sf, id, form.get('help') ?? ''))
        return { status: 400, body: 'pick a help type', headers: { 'content-type': 'text/plain' } };
      break;
    default:
      return { status: 404, body: 'unknown action', headers: { 'content-type': 'text/plain' } };
  }
  return redirect('/demo/crm?done=1');
}

function partnerCenterPage(pc: FakePartnerCenter, req: HttpRequest): HttpResponse {
  const all = pc.all().sort((a, b) => str(b.updatedDateTime).localeCompare(str(a.updatedDateTime)));
  const rows = all.map((r) => {
    const customer = (r.customerProfile as { name?: unknown } | undefined)?.name;
    return html`<tr data-referral="${str(r.id)}">
      <td><a href="/referrals/${encodeURIComponent(str(r.id))}">${str(r.id)}</a></td>
      <td>${str(r.name) || str(customer)}</td>
      <td>${str(r.type)} / ${str(r.qualification)}</td>
      <td>${str(r.status)}/${str(r.substatus)}</td>
      <td>${safeText(str(r.statusReason))}</td>
      <td>${str(r.updatedDateTime)}</td>
      <td>${str(r.expirationDateTime)}</td>
      <td>
        ${
          r.direction === 'Outgoing' && r.type === 'Shared'
            ? html`<form
                class="inline"
                method="post"
                action="/demo/partner-center/${encodeURIComponent(str(r.id))}/accept"
              >
                <button type="submit">Microsoft accepts the co-sell</button>
              </form>`
            : ''
        }
      </td>
    </tr>`;
  });
  const body = html`<h2>Simulated Partner Center: referrals in the fake</h2>
    <p class="muted">Reloads every 5 s.</p>
    <table id="referrals">
      <tr>
        <th>Referral</th>
        <th>Deal / customer</th>
        <th>Type</th>
        <th>Status</th>
        <th>Status reason</th>
        <th>Updated</th>
        <th>Expires</th>
        <th>Microsoft</th>
      </tr>
      ${rows}
    </table>`;
  return {
    status: 200,
    body: page('Simulated Partner Center', body, { identity: req.identity, nav: DEMO_NAV, refreshSeconds: 5 }),
  };
}

export function demoRoutes(pc: FakePartnerCenter, sf: FakeSalesforce): HttpRoute[] {
  return [
    { method: 'GET', path: '/demo/crm', access: 'viewer', handler: (req) => crmPage(sf, req) },
    { method: 'POST', path: '/demo/crm/:id/:action', access: 'operator', handler: (req) => crmAction(sf, req) },
    { method: 'GET', path: '/demo/partner-center', access: 'viewer', handler: (req) => partnerCenterPage(pc, req) },
    {
      method: 'POST',
      path: '/demo/partner-center/:id/accept',
      access: 'operator',
      handler: (req) =>
        microsoftAccepts(pc, req.params.id ?? '')
          ? redirect('/demo/partner-center')
          : { status: 404, body: 'not a shared co-sell', headers: { 'content-type': 'text/plain' } },
    },
  ];
}
