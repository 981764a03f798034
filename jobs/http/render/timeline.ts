import type { Referral } from '../../../src/domain/referral.ts';
import type { AuditEntry } from '../../../src/outbound/audit.ts';
import type { ParkedReferral, ReferralSyncState } from '../../../src/ports/state.ts';
import { fieldText, html, safeText, type SafeHtml } from './html.ts';

export interface TimelineData {
  referralId: string;
  referral: Referral | null;
  state: ReferralSyncState | null;
  parked: ParkedReferral | null;
  /** Expiry alerts fired so far (ledger), and why tracking stopped. */
  expiry: { fired: readonly string[]; closed: string | null };
  /** Oldest first. */
  audit: readonly AuditEntry[];
}

interface Event {
  at: string;
  what: string;
  detail: string;
}

function events(d: TimelineData): Event[] {
  const out: Event[] = [];
  const r = d.referral;
  if (r?.createdDateTime)
    out.push({
      at: r.createdDateTime,
      what: 'created in Partner Center',
      detail: `${r.type ?? ''} ${r.qualification ?? ''}`.trim(),
    });
  if (r?.acceptedDateTime) out.push({ at: r.acceptedDateTime, what: 'accepted', detail: '' });
  if (r?.updatedDateTime)
    out.push({
      at: r.updatedDateTime,
      what: 'last change in Partner Center',
      detail: `${r.status}/${r.substatus ?? ''}`,
    });
  if (d.state)
    out.push({
      at: d.state.syncedAt,
      what: `written to ${d.state.crm}`,
      detail: `record ${d.state.crmId}${d.state.writtenBack ? ', id written back' : ''}${
        d.state.mappingVersion === undefined ? '' : `, mapping version ${d.state.mappingVersion}`
      }`,
    });
  if (d.parked) out.push({ at: d.parked.at, what: `parked (${d.parked.stage})`, detail: safeText(d.parked.reason) });
  for (const a of d.audit) {
    const reason = a.reason ? `: ${safeText(a.reason)}` : '';
    out.push({
      at: a.at,
      what: `${a.side === 'crm' ? 'CRM' : 'Partner Center'} ${a.action} ${a.result}`,
      detail: `${a.from} -> ${a.to}${reason}`,
    });
  }
  return out.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
}

function summary(d: TimelineData): SafeHtml {
  const r = d.referral;
  if (!r) return html`<p class="muted">Not in the referral store (not pulled yet, or cleared by a replay).</p>`;
  // Company and deal names only: the customer's people, emails and phone numbers are never shown.
  const rows: [string, string | null | undefined][] = [
    ['Status', `${r.status}/${r.substatus ?? ''}`],
    ['Status reason', r.statusReason ? safeText(r.statusReason) : null],
    ['Deal', r.name ? fieldText(r.name) : null],
    ['Customer', r.customerProfile?.name ? fieldText(r.customerProfile.name) : null],
    ['Type', `${r.type ?? ''} / ${r.qualification ?? ''} / ${r.direction ?? ''}`],
    [
      'Deal value',
      r.details?.dealValue === undefined || r.details.dealValue === null
        ? null
        : `${r.details.dealValue} ${r.details.currency ?? ''}`,
    ],
    ['Expires', r.expirationDateTime],
    ['CRM', d.state ? `${d.state.crm} ${d.state.crmId}` : 'not written yet'],
    ['Expiry alerts fired', d.expiry.fired.length ? d.expiry.fired.join(', ') : 'none'],
  ];
  return html`<table id="summary">
    ${rows
      .filter(([, v]) => v)
      .map(
        ([k, v]) =>
          html`<tr>
            <th>${k}</th>
            <td>${v}</td>
          </tr>`,
      )}
  </table>`;
}

export function renderTimeline(d: TimelineData): SafeHtml {
  const list = events(d);
  const rows = list.map(
    (e) =>
      html`<tr>
        <td>${e.at}</td>
        <td>${e.what}</td>
        <td>${e.detail}</td>
      </tr>`,
  );
  return html`<h2>Referral ${d.referralId}</h2>
    ${summary(d)}
    <h2>Timeline</h2>
    ${
      list.length
        ? html`<table id="timeline">
            <tr>
              <th>When</th>
              <th>What</th>
              <th>Detail</th>
            </tr>
            ${rows}
          </table>`
        : html`<p class="muted">No events recorded.</p>`
    }
    <p><a href="/">Back to referrals</a></p>`;
}

export function renderNotFound(q: string): SafeHtml {
  return html`<h2>Not found</h2>
    <p>No referral or CRM record matches <code>${q}</code>.</p>
    <p><a href="/">Back to referrals</a></p>`;
}
