import { scrubText } from '../../../src/log/logger.ts';
import {
  clipForDisplay,
  DISPLAY_FIELD_MAX,
  DISPLAY_REASON_MAX,
  hideContacts,
  hideEmails,
} from '../../../src/text/display.ts';
import type { Identity } from '../types.ts';

/** Markup that is already safe. Only `html` and `raw` make one. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);

/** Trusted constant markup only (never data). */
export const raw = (s: string): SafeHtml => new SafeHtml(s);

function part(v: unknown): string {
  if (v instanceof SafeHtml) return v.value;
  if (Array.isArray(v)) return v.map(part).join('');
  if (v === null || v === undefined || v === false) return '';
  return esc(String(v));
}

/** Template tag: every interpolated value is HTML-escaped unless it is SafeHtml. */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    out += part(v) + (strings[i + 1] ?? '');
  });
  return new SafeHtml(out);
}

/**
 * Free text from stores (parking reasons, sync messages) before it is shown: credentials, email
 * addresses and international phone numbers are blanked. Names of companies and deals stay.
 */
export const safeText = (s: string): string => clipForDisplay(hideContacts(scrubText(s)), DISPLAY_REASON_MAX);

/** A referral text field (deal, customer name) as shown on a page: clipped, addresses hidden. */
export const fieldText = (s: string): string => clipForDisplay(hideEmails(s), DISPLAY_FIELD_MAX);

export function duration(seconds: number | null): string {
  if (seconds === null) return 'n/a';
  const s = Math.round(seconds);
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86_400).toFixed(1)} d`;
}

const STYLE = `body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#1d2330}
header{background:#1d2330;color:#fff;padding:8px 16px;display:flex;gap:16px;align-items:center}
header a{color:#cfe0ff;text-decoration:none}header .who{margin-left:auto;opacity:.8}
main{padding:8px 16px}h2{font-size:16px;margin:20px 0 6px}
table{border-collapse:collapse;margin:4px 0}td,th{border:1px solid #d5d9e2;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f1f3f7}.bad{color:#a11}.ok{color:#175}.muted{color:#667}.num{text-align:right}
form.inline{display:inline;margin:0}.flash{background:#eef6ee;border:1px solid #9c9;padding:6px 10px}
.flash.err{background:#fbeeee;border-color:#d99}
.charts{display:flex;flex-wrap:wrap;gap:12px}figure.chart{margin:0}figcaption{font-size:12px;color:#667}`;

export interface PageOptions {
  identity: Identity | null;
  /** Extra nav links (the demo's simulated CRM and Partner Center pages). */
  nav?: readonly { href: string; label: string }[];
  /** Seconds between automatic reloads (0: none). */
  refreshSeconds?: number;
  /** Script URLs of our own origin (jobs/http/assets.ts), loaded at the end of the body. */
  scripts?: readonly string[];
}

export function page(title: string, body: SafeHtml, o: PageOptions): string {
  const queuesHref = o.identity?.role === 'operator' ? '/queues/admin' : '/queues';
  const who = o.identity ? html`<span class="who">${o.identity.user} (${o.identity.role})</span>` : '';
  const refresh = o.refreshSeconds ? html`<meta http-equiv="refresh" content="${o.refreshSeconds}">` : '';
  const nav = (o.nav ?? []).map((l) => html`<a href="${l.href}">${l.label}</a>`);
  return html`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title} · referral-sync</title>${refresh}
<style>${raw(STYLE)}</style></head><body><header><strong>referral-sync</strong><a href="/">Referrals</a>
<a href="/report">Report</a><a href="/mapping">Mapping</a><a href="${queuesHref}">Queues</a><a href="/metrics">Metrics</a>${nav}${who}</header><main>${body}</main>${(o.scripts ?? []).map((src) => html`<script src="${src}"></script>`)}</body></html>`
    .value;
}
