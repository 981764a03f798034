import type { Referral } from '../domain/referral.ts';
import { formatDeadline, formatTimeLeft, timeLeftMs } from './deadline.ts';
import type { AlertKind } from './plan.ts';
import { clipForDisplay, DISPLAY_FIELD_MAX, hideEmails, plainLine } from '../text/display.ts';

/*
 * Text for CRM tasks and webhook alerts. Built from a whitelist of referral fields (id, deal
 * name, customer company name, dates): never customer contacts (`customerProfile.team`, `team`),
 * whose emails and phone numbers must not reach a chat channel or a task visible to all users.
 */

/** Salesforce Task.Subject holds 255 characters, Dataverse task.subject 200: fit the smaller one. */
const TASK_SUBJECT_MAX = 200;

/**
 * A referral text field as shown to people (at-risk list, alerts, tasks): one plain line,
 * addresses hidden, then clipped (issue 14). Hiding
 * first, so a cut never leaves the visible half of an address behind.
 */
const displayed = (text: string): string => clipForDisplay(hideEmails(plainLine(text).trim()), DISPLAY_FIELD_MAX);

const clip = (text: string, max: number): string => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

export interface AlertText {
  dealName: string;
  customerName: string | null;
  deadlineText: string;
  timeLeftText: string;
}

/** Display fields shared by the task and the webhook alert. */
export function alertText(
  referral: Referral | null,
  referralId: string,
  deadline: Date,
  now: Date,
  timeZone: string,
): AlertText {
  const customer = referral?.customerProfile?.name?.trim() || null;
  const deal = referral?.name?.trim() || customer || `referral ${referralId}`;
  return {
    dealName: displayed(deal),
    customerName: customer === null ? null : displayed(customer),
    deadlineText: formatDeadline(deadline, timeZone),
    timeLeftText: formatTimeLeft(timeLeftMs(deadline, now)),
  };
}

/** One-line headline: used as the task subject, the Slack fallback text and the Teams title. */
export function alertTitle(kind: AlertKind, level: string, text: Pick<AlertText, 'dealName' | 'deadlineText'>): string {
  const line =
    kind === 'warning'
      ? `Respond to Partner Center referral by ${text.deadlineText} (${level} warning): ${text.dealName}`
      : kind === 'contact-me'
        ? `Customer asked to be contacted, reach out by ${text.deadlineText}: ${text.dealName}`
        : `Partner Center referral expired (deadline ${text.deadlineText}): ${text.dealName}`;
  return clip(line, TASK_SUBJECT_MAX);
}

/** Task body: deal, company, referral id, deadline, time left, link. */
export function taskDescription(kind: AlertKind, referralId: string, text: AlertText, link: string | null): string {
  return [
    `Deal: ${text.dealName}`,
    `Customer: ${text.customerName ?? '(unknown)'}`,
    `Partner Center referral: ${referralId}`,
    `Deadline: ${text.deadlineText}`,
    `Time left: ${text.timeLeftText}`,
    ...(link ? [`Link: ${link}`] : []),
    ...(kind === 'expired'
      ? []
      : ['Accept or decline the referral in Partner Center before the deadline, or it expires.']),
  ].join('\n');
}

/** `linkTemplate` with `{referralId}` replaced, e.g. a Partner Center or CRM page; null when unset. */
export function referralLink(linkTemplate: string | null, referralId: string): string | null {
  return linkTemplate ? linkTemplate.replaceAll('{referralId}', encodeURIComponent(referralId)) : null;
}
