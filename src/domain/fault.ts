import { scrubText } from '../log/logger.ts';
import { clipForDisplay, hideEmails, plainLine } from '../text/display.ts';

/**
 * What a parked referral's page names: the field the referral failed on and its value as it may
 * be shown. Built where the failure is seen (the raw payload is at hand only there) and stored
 * with the parked entry, so the value is masked before it is ever written.
 */
export interface Fault {
  /** A referral path (`details.dealValue`) or a mapping path (`salesforce.fields.CloseDate`). */
  field: string;
  /** Absent when unknown, or when the field holds a person's contact details. */
  value?: string | undefined;
}

/** Characters of an offending value kept: enough to see what is wrong with it. */
const VALUE_MAX = 120;

// The customer's people (team members, contacts) and anything shaped like a contact detail are
// never shown, even when they are what failed: contact details appear only as ids (STYLE §4).
const CONTACT = /^(team|contacts?|email.*|phone.*|address.*|firstName|lastName)$/i;

function valueAt(raw: unknown, path: readonly PropertyKey[]): { found: boolean; value: unknown } {
  let at: unknown = raw;
  for (const key of path) {
    if (typeof at !== 'object' || at === null) return { found: false, value: undefined };
    at = (at as Record<PropertyKey, unknown>)[key];
  }
  return { found: true, value: at };
}

/** The value shown for one field: one masked, clipped line. */
export function shownValue(value: unknown): string {
  // JSON, so a number sent as text shows its quotes ("about 50k" where 50000 was expected).
  const text = value === undefined ? '(missing)' : (JSON.stringify(value) ?? String(value));
  return clipForDisplay(hideEmails(scrubText(plainLine(text))), VALUE_MAX);
}

/** The fault at `path` of a raw payload (a zod issue's path). */
export function faultAt(raw: unknown, path: readonly PropertyKey[]): Fault {
  const field = path.map(String).join('.') || '(root)';
  if (path.some((k) => typeof k === 'string' && CONTACT.test(k))) return { field };
  const { found, value } = valueAt(raw, path);
  return { field, value: found ? shownValue(value) : '(missing)' };
}

/** Deal and customer names of a raw payload, when it has them as text (a referral failing validation). */
export function namesOf(raw: unknown): { dealName?: string; customerName?: string } {
  const o = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  const profile = typeof o.customerProfile === 'object' && o.customerProfile !== null ? o.customerProfile : {};
  const customer = (profile as Record<string, unknown>).name;
  return {
    ...(typeof o.name === 'string' && o.name !== '' ? { dealName: o.name } : {}),
    ...(typeof customer === 'string' && customer !== '' ? { customerName: customer } : {}),
  };
}
