import type { FakeSalesforce } from '../../test/fakes/salesforce/fake-salesforce.ts';
import { html, safeText } from '../http/render/html.ts';
import type { HttpResponse } from '../http/types.ts';

/*
 * The simulated CRM's Lead queue (issue 16): marketplace and qualified leads land here. A seller
 * converts one (Salesforce's Convert button: an Account and an Opportunity, the lead locked) to
 * accept the referral, or sets "Closed - Not Converted" with a reason to decline it.
 */

export const LEAD_DECLINE_REASONS = ['Budget', 'No response', 'Competitor', 'Not a fit'] as const;

const str = (v: unknown): string => (v === null || v === undefined ? '' : String(v));

export function leadTable(sf: FakeSalesforce): unknown {
  const leads = sf
    .records('Lead')
    .filter((l) => l.Referral_Id__c)
    .sort((a, b) => str(a.Company).localeCompare(str(b.Company)));
  const rows = leads.map((l) => {
    const id = encodeURIComponent(str(l.Id));
    const act = (what: string, label: string, extra: unknown) =>
      html`<form class="inline" method="post" action="/demo/crm/${id}/${what}">
        ${extra}<button type="submit">${label}</button>
      </form>`;
    const amount = html`<input name="amount" size="7" aria-label="amount" value="10000" />`;
    const reasons = html`<select name="reason" aria-label="decline reason">
      ${LEAD_DECLINE_REASONS.map((r) => html`<option>${r}</option>`)}
    </select>`;
    const open =
      l.IsConverted !== true && str(l.Status) !== 'Closed - Not Converted' && str(l.Referral_Status__c) === 'New';
    return html`<tr data-lead="${str(l.Id)}" data-referral="${str(l.Referral_Id__c)}">
      <td>${str(l.Company)}</td>
      <td>${str(l.Status)}</td>
      <td>${str(l.Referral_Status__c)}/${str(l.Referral_Substatus__c)}</td>
      <td>${safeText(str(l.Referral_Sync_Message__c))}</td>
      <td>
        ${
          open
            ? html`${act('convert', 'Convert', amount)} ${act('disqualify', 'Disqualify', reasons)}`
            : html`<span class="muted">${l.IsConverted === true ? 'converted' : 'closed'}</span>`
        }
      </td>
    </tr>`;
  });
  return html`<h3>Leads</h3>
    <table id="leads">
      <tr>
        <th>Company</th>
        <th>Lead status</th>
        <th>Referral status</th>
        <th>Sync message</th>
        <th>Seller actions</th>
      </tr>
      ${rows}
    </table>`;
}

/** A seller's action on a Lead; undefined when `id` is not a Lead (the caller tries opportunities). */
export function leadAction(
  sf: FakeSalesforce,
  id: string,
  action: string,
  form: URLSearchParams,
): HttpResponse | undefined {
  const lead = sf.record('Lead', id);
  if (!lead) return undefined;
  const text = (body: string, status = 400): HttpResponse => ({
    status,
    body,
    headers: { 'content-type': 'text/plain' },
  });
  if (lead.IsConverted === true) return text('the lead is converted already');
  switch (action) {
    case 'convert': {
      const amount = Number(form.get('amount'));
      const close = new Date(Date.now() + 90 * 86_400_000).toISOString().slice(0, 10);
      sf.convertLeadAsUser(id, {
        Name: `${str(lead.Company)} deal`,
        CloseDate: close,
        ...(Number.isFinite(amount) && amount > 0 ? { Amount: amount } : {}),
      });
      return { status: 303, body: '', headers: { location: '/demo/crm?done=1' } };
    }
    case 'disqualify': {
      const reason = form.get('reason') ?? '';
      if (!LEAD_DECLINE_REASONS.some((r) => r === reason)) return text('pick a reason');
      sf.updateAsUser(id, { Status: 'Closed - Not Converted', Referral_Decline_Reason__c: reason });
      return { status: 303, body: '', headers: { location: '/demo/crm?done=1' } };
    }
    default:
      return text('unknown action', 404);
  }
}
