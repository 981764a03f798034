import { isTerminal, type Referral } from '../domain/referral.ts';
import type { OutboundRules } from './outbound-rules.ts';
import { utcDay } from './field-ops.ts';
import type { PushedValues } from './snapshot-values.ts';

/*
 * Partner Center -> CRM status (issue 4): Microsoft-side Expired or Closed, and status changes made
 * in Partner Center, update the opportunity's status fields and, when the admin mapped one, its
 * stage. Written only when different from what we last wrote, and returned with the values to
 * merge into lastPushed so that our own write (a stage moving to "Closed Lost") is not read back
 * by outbound sync as the partner closing the deal.
 */

/** What we last wrote into the CRM's status fields for one referral. */
export interface CrmStatusWritten {
  status: string;
  substatus: string | null;
  stage?: string;
}

interface CrmStatusUpdate {
  status: string;
  substatus: string | null;
  /**
   * Closed/Expired: Microsoft closed it for want of an answer (docs/partner-center-referrals-api.md, "Timing rules").
   */
  expired: boolean;
  /** Closed in Partner Center, not by a decision this sync pushed (Expired always counts). */
  closedByMicrosoft: boolean;
  /** From `inboundStages`; absent when not mapped, so the stage is left alone. */
  stage?: string;
}

export interface InboundEchoInput {
  referral: Referral;
  lastWritten: CrmStatusWritten | null;
  lastPushed: PushedValues | null;
  rules: Pick<OutboundRules, 'inboundStages'>;
}

export interface InboundEcho {
  /** Null: the CRM already shows this state; write nothing. */
  update: CrmStatusUpdate | null;
  /** Store as lastWritten after the write succeeded (unchanged when update is null). */
  written: CrmStatusWritten | null;
  /** Merge into lastPushed after the write succeeded ({} when nothing is written). */
  remember: PushedValues;
  /** Closed: stop syncing this referral in either direction once written. */
  terminal: boolean;
}

/** Stage for a Partner Center state: "Closed/Expired", then "Expired", then "Closed". */
export function stageFor(
  referral: Pick<Referral, 'status' | 'substatus'>,
  map: Readonly<Record<string, string>>,
): string | undefined {
  const sub = referral.substatus ?? 'None';
  return map[`${referral.status}/${sub}`] ?? map[sub] ?? map[referral.status];
}

function closedByUs(r: Referral, lastPushed: PushedValues | null): boolean {
  switch (r.substatus) {
    case 'Won':
      return lastPushed?.outcome === 'won';
    case 'Lost':
      return lastPushed?.outcome === 'lost';
    case 'Declined':
      return lastPushed?.decision === 'decline';
    default:
      return false;
  }
}

export function inboundStatusUpdate(input: InboundEchoInput): InboundEcho {
  const { referral: r, lastWritten } = input;
  const terminal = isTerminal(r);
  const substatus = r.substatus ?? null;
  const stage = stageFor(r, input.rules.inboundStages);
  const written: CrmStatusWritten = { status: r.status, substatus, ...(stage !== undefined ? { stage } : {}) };
  const same =
    lastWritten !== null &&
    lastWritten.status === written.status &&
    lastWritten.substatus === written.substatus &&
    lastWritten.stage === written.stage;
  if (same) return { update: null, written: lastWritten, remember: {}, terminal };

  const update: CrmStatusUpdate = {
    status: r.status,
    substatus,
    expired: r.status === 'Closed' && substatus === 'Expired',
    closedByMicrosoft: r.status === 'Closed' && !closedByUs(r, input.lastPushed),
    ...(stage !== undefined ? { stage } : {}),
  };
  // Assumes the mapped stage agrees with the state: a closed stage for Closed, Won only for Won.
  const outcome = r.status !== 'Closed' ? 'open' : substatus === 'Won' ? 'won' : 'lost';
  const remember: PushedValues = stage !== undefined ? { stage, outcome } : {};
  return { update, written, remember, terminal };
}

/**
 * The referral's own field values in snapshot terms: merge into lastPushed after inbound sync
 * copied them into the opportunity unchanged, so they are not taken for partner edits. Skip a
 * field the mapping transforms (the CRM then holds a different value); read it back instead.
 */
export function referralValuesOf(r: Referral): PushedValues {
  const d = r.details;
  const out: PushedValues = {};
  if (r.name) out.name = r.name.trim();
  if (d?.dealValue != null) out.dealValue = d.dealValue;
  if (d?.currency) out.currency = d.currency.trim().toUpperCase();
  const day = utcDay(d?.closingDateTime);
  if (day !== null) out.closeDate = day;
  if (d?.notes?.trim()) out.notes = d.notes.trim();
  return out;
}
