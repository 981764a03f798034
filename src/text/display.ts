/*
 * Referral text is typed by people and Partner Center does not cap its length (issue 14: a 1 MB
 * customer name). The store and the CRM keep the full value (each CRM writer clips to its own
 * field limits); only what is shown to a person (dashboard, alerts, terminal) is shortened here.
 */

/** Characters of one referral text field shown on a page or in an alert; long deal names fit. */
export const DISPLAY_FIELD_MAX = 300;

/** Characters of one free-text reason (parking reason, sync message) shown on a page. */
export const DISPLAY_REASON_MAX = 2000;

/** `text` cut to `max` characters, with a marker saying how much was left out. */
export function clipForDisplay(text: string, max: number = DISPLAY_FIELD_MAX): string {
  if (text.length <= max) return text;
  let end = max;
  // Never split a surrogate pair: half of one would render as a replacement character.
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}… [${text.length - end} more characters]`;
}

// C0 and C1 controls (newline, ESC of terminal escape sequences) and bidi overrides, which can
// make a name print as a different line or text.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Text as one plain line for a terminal, a chat message or a page: every control character
 * becomes a space (issue 14: a status value with newlines forged lines of `status` output).
 */
export const plainLine = (text: string): string => text.replace(CONTROL, ' ');

// The lookbehind lets a match start only where a run of address characters starts. Without it
// every position of a long run began a scan to the run's end: quadratic, and a 1 MB name froze
// the process (issue 14). A match from inside a run ends at the same '@', so nothing is missed.
// Address characters are "anything but space and the usual delimiters", so addresses with
// non-ASCII local parts are hidden too.
const EMAIL = /(?<![^\s@<>()"',;:])[^\s@<>()"',;:]+@[^\s@<>()"',;:]+\.[A-Za-z]{2,}/g;
// International numbers (+49 30 1234567); bare digit runs are left alone (ids and dates look alike).
const PHONE = /\+\d[\d\s().-]{6,}\d/g;

/** Free text (deal and company names are typed by people) can still hold an address: hide it. */
export const hideEmails = (text: string): string => text.replace(EMAIL, '[email hidden]');

/** Addresses and international phone numbers hidden: for free text such as parking reasons. */
export const hideContacts = (text: string): string => hideEmails(text).replace(PHONE, '[phone hidden]');
