import type { Referral } from '../domain/referral.ts';
import type { ReferralStore } from '../ports/state.ts';
import { contactByOf, deadlineOf, timeLeftMs } from './deadline.ts';
import type { ExpiryLevel } from './levels.ts';
import { alertText } from './messages.ts';
import { reachedLevel } from './plan.ts';

export interface AtRiskDeps {
  referrals: ReferralStore;
  levels: readonly ExpiryLevel[];
  timeZone: string;
  isContactMe(referral: Referral): boolean;
}

/** One row of the at-risk list (dashboard, `referral-sync at-risk`). No customer contacts. */
export interface AtRiskEntry {
  referralId: string;
  dealName: string;
  customerName: string | null;
  deadline: Date;
  /** The deadline in the configured time zone. */
  deadlineText: string;
  /** Negative once the deadline has passed and Microsoft has not yet reported it Expired. */
  timeLeftMs: number;
  timeLeftText: string;
  /** Most urgent level whose time has come, or null before the first one. */
  level: string | null;
  contactMe: boolean;
  /** End of the 72 h contact window when contactMe; null otherwise. */
  contactBy: Date | null;
}

export interface AtRiskOptions {
  /** Only referrals with at most this many hours left; all waiting referrals when absent. */
  withinHours?: number | undefined;
}

/**
 * Referrals still waiting for an answer (status New), soonest deadline first. Referrals with no
 * known deadline are left out (nothing to sort them by); they are rare (no dates at all).
 */
export async function atRiskList(deps: AtRiskDeps, now: Date, options: AtRiskOptions = {}): Promise<AtRiskEntry[]> {
  const entries: AtRiskEntry[] = [];
  for (const id of await deps.referrals.idsWithStatus('New')) {
    const referral = await deps.referrals.get(id);
    if (!referral || referral.status !== 'New') continue;
    const deadline = deadlineOf(referral);
    if (!deadline) continue;
    const left = timeLeftMs(deadline, now);
    if (options.withinHours !== undefined && left > options.withinHours * 3_600_000) continue;
    const text = alertText(referral, id, deadline, now, deps.timeZone);
    const contactMe = deps.isContactMe(referral);
    entries.push({
      referralId: id,
      dealName: text.dealName,
      customerName: text.customerName,
      deadline,
      deadlineText: text.deadlineText,
      timeLeftMs: left,
      timeLeftText: text.timeLeftText,
      level: reachedLevel(deps.levels, deadline, now),
      contactMe,
      contactBy: contactMe ? contactByOf(referral) : null,
    });
  }
  return entries.sort((a, b) => a.timeLeftMs - b.timeLeftMs || a.referralId.localeCompare(b.referralId));
}

/** Hours before a deadline from which a waiting referral needs action now (the first expiry level). */
export const ACTION_WINDOW_HOURS = 72;

/**
 * The part of the at-risk list that needs action now: "contact me" requests first (the customer
 * waits for a call within 72 h of asking, a tighter promise than the referral's deadline), then
 * deadlines within `withinHours`, soonest first. The dashboard shows this, with "show all".
 */
export function needingAction(list: readonly AtRiskEntry[], withinHours = ACTION_WINDOW_HOURS): AtRiskEntry[] {
  return list
    .filter((e) => e.contactMe || e.timeLeftMs <= withinHours * 3_600_000)
    .sort((a, b) => Number(b.contactMe) - Number(a.contactMe) || a.timeLeftMs - b.timeLeftMs);
}
