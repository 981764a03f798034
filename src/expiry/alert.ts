import { z } from 'zod';
import type { Referral } from '../domain/referral.ts';
import { timeLeftMs } from './deadline.ts';
import { alertText, alertTitle, referralLink } from './messages.ts';

/**
 * The webhook queue's job payload. Ids and times only (STYLE: job data holds ids only, since the
 * dashboard shows it); the deliverer re-reads the referral for names when it posts.
 */
export const ExpiryAlertJob = z.object({
  referralId: z.string().min(1),
  kind: z.enum(['warning', 'contact-me', 'expired']),
  /** Ledger key: level name, 'contact-me' or 'expired'. */
  level: z.string().min(1),
  /** Deadline of the alert (UTC ISO): the response deadline, or the contact-me window's end. */
  deadline: z.iso.datetime(),
  firedAt: z.iso.datetime(),
});
export type ExpiryAlertJob = z.infer<typeof ExpiryAlertJob>;

/**
 * Stable BullMQ jobId, so a second enqueue of the same alert (crash between enqueue and the
 * ledger write) is dropped by the queue while the first job is kept. BullMQ rejects ':' in ids.
 */
export const expiryAlertJobId = (job: Pick<ExpiryAlertJob, 'referralId' | 'level'>): string =>
  `expiry-${job.referralId}-${job.level}`.replaceAll(':', '_');

/**
 * The receiver's de-duplication key: the same for every post of one (referral, alert), whichever
 * worker, attempt or re-queue sends it, and different for every other alert. Derived from the
 * ids alone, so it survives the loss of Redis too. Percent-encoded parts joined by ':' keep it
 * unambiguous and valid as an HTTP header value whatever the ids hold.
 */
export const idempotencyKeyOf = (job: Pick<ExpiryAlertJob, 'referralId' | 'level'>): string =>
  `referral-sync-expiry:${encodeURIComponent(job.referralId)}:${encodeURIComponent(job.level)}`;

/** What a webhook alert says; payload builders in connectors/webhook lay it out per format. */
export interface ExpiryAlert {
  /** See idempotencyKeyOf: a receiver that saw this key already should drop the post. */
  idempotencyKey: string;
  kind: ExpiryAlertJob['kind'];
  referralId: string;
  level: string;
  /** Headline, see alertTitle. */
  title: string;
  dealName: string;
  customerName: string | null;
  /** UTC ISO. */
  deadline: string;
  /** The deadline in `timeZone`, e.g. `17 Mar 2025, 01:00 CET`. */
  deadlineText: string;
  timeZone: string;
  /** At the time of posting; negative when overdue. */
  timeLeftMs: number;
  timeLeftText: string;
  link: string | null;
}

export interface AlertFormat {
  timeZone: string;
  /** URL with `{referralId}`, see referralLink; null for no link. */
  linkTemplate: string | null;
}

/** Pure: the alert for `job`; `referral` may be null when the store no longer has it. */
export function toExpiryAlert(
  job: ExpiryAlertJob,
  referral: Referral | null,
  now: Date,
  format: AlertFormat,
): ExpiryAlert {
  const deadline = new Date(job.deadline);
  const text = alertText(referral, job.referralId, deadline, now, format.timeZone);
  return {
    idempotencyKey: idempotencyKeyOf(job),
    kind: job.kind,
    referralId: job.referralId,
    level: job.level,
    title: alertTitle(job.kind, job.level, text),
    dealName: text.dealName,
    customerName: text.customerName,
    deadline: deadline.toISOString(),
    deadlineText: text.deadlineText,
    timeZone: format.timeZone,
    timeLeftMs: timeLeftMs(deadline, now),
    timeLeftText: text.timeLeftText,
    link: referralLink(format.linkTemplate, job.referralId),
  };
}
