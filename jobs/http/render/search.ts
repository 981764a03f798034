import { fieldText, html, type SafeHtml } from './html.ts';

export interface SearchHit {
  referralId: string;
  dealName: string | null;
  customerName: string | null;
  status: string;
}

/** Search results by deal or customer name (a single match goes straight to the referral). */
export function renderSearch(q: string, hits: readonly SearchHit[], limit: number): SafeHtml {
  const form = html`<form method="get" action="/referrals">
    <input name="q" value="${q}" size="40" aria-label="search" /><button type="submit">Find</button>
  </form>`;
  if (hits.length === 0)
    return html`<h2>Not found</h2>
      ${form}
      <p id="no-match">No referral id, CRM id, deal name or customer name matches <code>${q}</code>.</p>
      <p><a href="/">Back to referrals</a></p>`;
  const rows = hits.map(
    (h) =>
      html`<tr data-referral="${h.referralId}">
        <td><a href="/referrals/${encodeURIComponent(h.referralId)}">${h.referralId}</a></td>
        <td>${h.dealName ? fieldText(h.dealName) : ''}</td>
        <td>${h.customerName ? fieldText(h.customerName) : ''}</td>
        <td>${h.status}</td>
      </tr>`,
  );
  return html`<h2>Referrals matching <code>${q}</code></h2>
    ${form}
    <table id="search-results">
      <tr>
        <th>Referral</th>
        <th>Deal</th>
        <th>Customer</th>
        <th>Status</th>
      </tr>
      ${rows}
    </table>
    ${hits.length >= limit ? html`<p class="muted">The first ${limit} are shown; add a word to narrow it.</p>` : ''}
    <p><a href="/">Back to referrals</a></p>`;
}
