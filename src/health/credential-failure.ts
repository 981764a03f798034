/*
 * Which connection's credentials a failed job points at, read from the reason BullMQ stored
 * (jobs/processor.ts (toBullMqError) turns an AuthError into `UnrecoverableError("AuthError: <message>")`).
 * The messages come from our own connectors (msal-errors.ts, sign-in.ts, errors-classify.ts,
 * dataverse-auth.ts), so matching them is matching our own vocabulary, table-tested beside this.
 */

export type ConnectionName = 'partner-center' | 'salesforce' | 'dynamics';

export type FailureVerdict =
  /** Sign-in, token or session failure: pause the connection until a probe succeeds. */
  | { kind: 'credentials'; connection: ConnectionName | undefined; reason: string }
  /**
   * Permission on one record or object (403, INSUFFICIENT_ACCESS…): the referral is parked with
   * the reason, the connection keeps working for the others, so nothing is paused.
   */
  | { kind: 'permission'; reason: string }
  | { kind: 'other' };

const PERMISSION = /^[a-z-]+ 403\b|INSUFFICIENT_ACCESS|permission denied/i;

const CONNECTION_PATTERNS: [ConnectionName, RegExp][] = [
  ['dynamics', /^dynamics\b|dataverse|DYNAMICS_/i],
  ['salesforce', /^salesforce\b/i],
  ['partner-center', /^partner-center\b|partner center|^entra\b|PARTNER_CENTER_|TOKEN_CACHE_KEY|referral-sync login/i],
];

/** Pure: the verdict on one failed job's reason. */
export function classifyFailedReason(failedReason: string | undefined): FailureVerdict {
  const m = /^(?:UnrecoverableError: )?AuthError: ([\s\S]*)$/.exec(failedReason ?? '');
  if (!m?.[1]) return { kind: 'other' };
  const reason = m[1].slice(0, 500);
  if (PERMISSION.test(reason)) return { kind: 'permission', reason };
  const connection = CONNECTION_PATTERNS.find(([, re]) => re.test(reason))?.[0];
  return { kind: 'credentials', connection, reason };
}
