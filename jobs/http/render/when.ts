import { localTime, relativeTime } from '../../../src/text/relative-time.ts';
import { html, type SafeHtml } from './html.ts';

/** The clock and zone a page's times are shown against (TIME_ZONE; checked with Intl at start). */
export interface TimeView {
  now: Date;
  timeZone: string;
}

/**
 * A stored time as a person reads it: "3 h 12 min ago · 6 Dec 14:02 CET", with the exact ISO value
 * on hover (title) and in `datetime`. Text that is not a time is shown as it is.
 */
export function when(value: string | Date | null | undefined, v: TimeView, empty = 'never'): SafeHtml | string {
  if (value === null || value === undefined || value === '') return empty;
  const at = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(at.getTime())) return String(value);
  const iso = at.toISOString();
  return html`<time datetime="${iso}" title="${iso}">${relativeTime(at, v.now)} · ${localTime(at, v.timeZone)}</time>`;
}
