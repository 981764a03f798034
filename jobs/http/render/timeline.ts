import type { Referral } from '../../../src/domain/referral.ts';
import type { AuditEntry } from '../../../src/outbound/audit.ts';
import type { ParkedReferral, ReferralSyncState } from '../../../src/ports/state.ts';
import { fieldText, html, safeText, type SafeHtml } from './html.ts';
import { when, type TimeView } from './when.ts';

export interface TimelineData {
  referralId: string;
  referral: Referral | null;
  state: ReferralSyncState | null;
  parked: ParkedReferral | null;
  /** Expiry alerts fired so far (ledger), and why tracking stopped. */
  expiry: { fired: readonly string[]; closed: string | null };
  /** Oldest first. */
  audit: readonly AuditEntry[];
  /** The clock and zone times are shown in; absent: ISO values as stored. */
  time?: TimeView | undefined;
  /** The parked / replay panel (render/parked.ts). */
  panel?: SafeHtml | string | undefined;
  /** Names kept with the parked entries, for a referral not in the store (it failed validation). */
  names?: { dealName?: string; customerName?: string } | undefined;
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
      what: `written to ${d.state.crm}${d.state.record === 'lead' ? ' (Lead)' : ''}`,
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

function missing(d: TimelineData): SafeHtml {
  const names = [
    d.names?.dealName
      ? html`<tr>
          <th>Deal</th>
          <td>${d.names.dealName}</td>
        </tr>`
      : '',
    d.names?.customerName
      ? html`<tr>
          <th>Customer</th>
          <td>${d.names.customerName}</td>
        </tr>`
      : '',
  ];
  const why =
    d.parked?.stage === 'validate'
      ? 'Partner Center sends this referral in a form our schema refuses, so only its parked entry is kept.'
      : d.parked
        ? 'Its stored copy is read afresh from Partner Center by the next sync or replay.'
        : 'Not in the referral store (not pulled yet, or cleared by a replay).';
  return html`<p class="muted" id="not-stored">${why}</p>
    ${
      names.some((n) => n !== '')
        ? html`<table id="summary">
            ${names}
          </table>`
        : ''
    }`;
}

function summary(d: TimelineData): SafeHtml {
  const r = d.referral;
  if (!r) return missing(d);
  // Company and deal names only: the customer's people, emails and phone numbers are never shown.
  const rows: [string, SafeHtml | string | null | undefined][] = [
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
    ['Expires', r.expirationDateTime && d.time ? when(r.expirationDateTime, d.time) : r.expirationDateTime],
    ['CRM', d.state ? `${d.state.crm} ${d.state.record === 'lead' ? 'Lead ' : ''}${d.state.crmId}` : 'not written yet'],
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
        <td>${d.time ? when(e.at, d.time) : e.at}</td>
        <td>${e.what}</td>
        <td>${e.detail}</td>
      </tr>`,
  );
  return html`<h2>Referral ${d.referralId}</h2>
    ${summary(d)}${d.panel ?? ''}
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
