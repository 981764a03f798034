import type { Referral } from '../domain/referral.ts';
import { CONTACT_WINDOW_MS, deadlineOf } from '../expiry/deadline.ts';

/*
 * The response-time report (issue 18): how fast the partner's sellers answer Microsoft's
 * referrals, the figures Microsoft measures partners on, per owner and overall. Pure: the edge
 * (connectors/redis/response-facts.ts) reads the referrals and what we recorded about them.
 * Definitions are in README ("Response-time report"); docs/response-times.md says where each
 * input comes from.
 */

export type Decision = 'accept' | 'decline';

/** What the report needs to know about one referral. */
export interface ReferralFacts {
  referral: Pick<
    Referral,
    | 'id'
    | 'status'
    | 'substatus'
    | 'direction'
    | 'createdDateTime'
    | 'updatedDateTime'
    | 'acceptedDateTime'
    | 'expirationDateTime'
    | 'details'
  >;
  /** The seller it is assigned to (lower-case email), null when unknown. */
  owner: string | null;
  /** When our worker pushed the seller's accept or decline to Partner Center, if it did. */
  pushedAnswer: { at: string; decision: Decision } | null;
  contactMe: boolean;
}

export interface Period {
  /** Inclusive (ISO). */
  from: string;
  /** Exclusive (ISO). */
  to: string;
}

export interface ContactMeFigures {
  received: number;
  answeredWithin72h: number;
  /** Answered, or older than 72 h: those the 72-h share is taken over. */
  due: number;
  share: number | null;
}

export interface ResponseFigures {
  received: number;
  answered: number;
  accepted: number;
  declined: number;
  /** Answered, but no answer time is known (counted in `answered`, left out of the times). */
  answerTimeUnknown: number;
  medianMs: number | null;
  p90Ms: number | null;
  answeredWithin72h: number;
  /** Answered, or received more than 72 h ago: the 72-h share is over these. */
  dueWithin72h: number;
  within72hShare: number | null;
  answeredBeforeDeadline: number;
  /** Answered, or past the deadline: the deadline share is over these. */
  dueByDeadline: number;
  beforeDeadlineShare: number | null;
  expiredUnanswered: number;
  /** Deal value of the expired-unanswered referrals per currency (values in different currencies are not added). */
  expiredDealValue: Record<string, number>;
  contactMe: ContactMeFigures;
}

export interface ResponseReport {
  period: Period;
  generatedAt: string;
  overall: ResponseFigures;
  /** Most referrals first; `owner` null collects referrals with no known owner. */
  owners: { owner: string | null; figures: ResponseFigures }[];
}

const ms = (iso: string | null | undefined): number | null => {
  if (!iso) return null;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : t;
};

const ACCEPTED_SUBSTATUSES = new Set(['Accepted', 'Won', 'Lost']);

/** The seller's answer as Partner Center shows it: accept, decline, or none (yet, or expired). */
export function decisionOf(r: ReferralFacts['referral']): Decision | null {
  if (r.substatus === 'Declined') return 'decline';
  if (r.substatus === 'Expired') return null;
  if (ACCEPTED_SUBSTATUSES.has(r.substatus ?? '') || r.status === 'Active' || ms(r.acceptedDateTime) !== null)
    return 'accept';
  return null;
}

/**
 * When the answer was given, best source first: our push of the seller's decision; Partner
 * Center's acceptedDateTime; for a decline, the referral's last update (a closed referral takes
 * no further edits, so that is the decline). Null when none of these is known.
 */
export function answeredAtOf(f: ReferralFacts, decision: Decision): number | null {
  const pushed = f.pushedAnswer && f.pushedAnswer.decision === decision ? ms(f.pushedAnswer.at) : null;
  const fromPartnerCenter =
    decision === 'accept'
      ? ms(f.referral.acceptedDateTime)
      : f.referral.status === 'Closed'
        ? ms(f.referral.updatedDateTime)
        : null;
  const known = [pushed, fromPartnerCenter].filter((t): t is number => t !== null);
  return known.length === 0 ? null : Math.min(...known);
}

/** The median: the middle value, or the mean of the two middle ones. */
export function median(sorted: readonly number[]): number | null {
  const n = sorted.length;
  if (n === 0) return null;
  const mid = Math.floor(n / 2);
  return n % 2 === 1 ? (sorted[mid] ?? null) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** Nearest-rank percentile: the smallest value with at least p of the values at or below it. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil(p * sorted.length));
  return sorted[rank - 1] ?? null;
}

const share = (part: number, whole: number): number | null => (whole === 0 ? null : part / whole);

function figuresOf(facts: readonly ReferralFacts[], now: number): ResponseFigures {
  const times: number[] = [];
  const f: ResponseFigures = {
    received: facts.length,
    answered: 0,
    accepted: 0,
    declined: 0,
    answerTimeUnknown: 0,
    medianMs: null,
    p90Ms: null,
    answeredWithin72h: 0,
    dueWithin72h: 0,
    within72hShare: null,
    answeredBeforeDeadline: 0,
    dueByDeadline: 0,
    beforeDeadlineShare: null,
    expiredUnanswered: 0,
    expiredDealValue: {},
    contactMe: { received: 0, answeredWithin72h: 0, due: 0, share: null },
  };
  for (const x of facts) {
    const received = ms(x.referral.createdDateTime) ?? now;
    const deadline = deadlineOf(x.referral)?.getTime() ?? null;
    const decision = decisionOf(x.referral);
    const answeredAt = decision ? answeredAtOf(x, decision) : null;
    const took = answeredAt === null ? null : Math.max(0, answeredAt - received);
    const within72h = took !== null && took <= CONTACT_WINDOW_MS;
    const past72h = now - received > CONTACT_WINDOW_MS;
    if (x.contactMe) f.contactMe.received++;
    if (decision) {
      f.answered++;
      f[decision === 'accept' ? 'accepted' : 'declined']++;
      if (took === null) f.answerTimeUnknown++;
      else times.push(took);
    }
    // An answer whose time is unknown cannot be placed against 72 h or the deadline: left out of both.
    if ((decision && took !== null) || (!decision && past72h)) {
      f.dueWithin72h++;
      if (within72h) f.answeredWithin72h++;
      if (x.contactMe) {
        f.contactMe.due++;
        if (within72h) f.contactMe.answeredWithin72h++;
      }
    }
    const pastDeadline = deadline !== null && now > deadline;
    if ((decision && answeredAt !== null && deadline !== null) || (!decision && pastDeadline)) {
      f.dueByDeadline++;
      if (answeredAt !== null && deadline !== null && answeredAt <= deadline) f.answeredBeforeDeadline++;
    }
    // Expired: Microsoft says so, or the deadline passed and it has not caught up yet.
    const expired = x.referral.substatus === 'Expired' || (!decision && x.referral.status === 'New' && pastDeadline);
    if (expired && !decision) {
      f.expiredUnanswered++;
      const value = x.referral.details?.dealValue;
      if (typeof value === 'number' && Number.isFinite(value)) {
        const currency = x.referral.details?.currency ?? '(none)';
        f.expiredDealValue[currency] = (f.expiredDealValue[currency] ?? 0) + value;
      }
    }
  }
  times.sort((a, b) => a - b);
  f.medianMs = median(times);
  f.p90Ms = percentile(times, 0.9);
  f.within72hShare = share(f.answeredWithin72h, f.dueWithin72h);
  f.beforeDeadlineShare = share(f.answeredBeforeDeadline, f.dueByDeadline);
  f.contactMe.share = share(f.contactMe.answeredWithin72h, f.contactMe.due);
  return f;
}

/**
 * The report over referrals received (created in Partner Center) in `period`, as of `now`.
 * Outgoing referrals (the partner's own, sent to Microsoft) are not answered by the partner and
 * are left out.
 */
export function responseTimeReport(facts: readonly ReferralFacts[], period: Period, now: Date): ResponseReport {
  const from = ms(period.from) ?? Number.NEGATIVE_INFINITY;
  const to = ms(period.to) ?? Number.POSITIVE_INFINITY;
  const cohort = facts.filter((f) => {
    const created = ms(f.referral.createdDateTime);
    return f.referral.direction !== 'Outgoing' && created !== null && created >= from && created < to;
  });
  const byOwner = new Map<string | null, ReferralFacts[]>();
  for (const f of cohort) byOwner.set(f.owner, [...(byOwner.get(f.owner) ?? []), f]);
  const owners = [...byOwner.entries()]
    .map(([owner, list]) => ({ owner, figures: figuresOf(list, now.getTime()) }))
    .sort(
      (a, b) => b.figures.received - a.figures.received || (a.owner ?? '\uffff').localeCompare(b.owner ?? '\uffff'),
    );
  return { period, generatedAt: now.toISOString(), overall: figuresOf(cohort, now.getTime()), owners };
}
