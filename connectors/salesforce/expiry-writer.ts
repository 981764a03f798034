import { z } from 'zod';
import { ValidationError } from '../../src/errors.ts';
import type { AppliedExpiry, ExpiryWarning } from '../../src/ports/crm.ts';
import { parseResponse, type SalesforceSession } from './salesforce-session.ts';
import { queryAll, updateById, upsertSingle } from './sobject-writes.ts';
import { RECORD_ID, soqlString } from './soql.ts';
import { isUrlSafeId } from './upsert-opportunities.ts';

export interface ExpirySettings {
  objectName: string;
  taskKeyField: string;
  expiryFields: { expiresAt: string; level: string };
  taskTimeZone: string;
  /** The Task field pointing at the record: WhatId (default; opportunities) or WhoId (a Lead, issue 16). */
  taskLink?: 'WhatId' | 'WhoId';
}

const LEVEL = /^[A-Za-z0-9_-]{1,40}$/;
const Owner = z.looseObject({ OwnerId: z.string().min(1) });
/** Task.Subject is a 255-character field; Description a 32k long text. */
const SUBJECT_MAX = 255;
const DESCRIPTION_MAX = 32_000;

/** The task's key, unique per referral and level: a retry upserts the same Task. */
const taskKey = (referralId: string, level: string): string => `${referralId}-${level}`;

/** Calendar date of `at` in `timeZone`, as Salesforce date fields want it (YYYY-MM-DD). */
export function dateIn(at: Date, timeZone: string): string {
  // en-CA formats dates as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

const clip = (s: string, max: number): string => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);

/**
 * Sets the expiry fields on the opportunity, then upserts one follow-up Task for its owner,
 * keyed `<referralId>-<level>` in the Task key field. Three calls: read OwnerId, update the
 * opportunity, upsert the task. Every step repeats harmlessly, so a retry after a partial
 * failure cannot create a second task. Status is left out of the task so that a retry does
 * not reopen a task the owner already completed.
 */
export async function applyExpiryWarning(
  session: SalesforceSession,
  s: ExpirySettings,
  w: ExpiryWarning,
): Promise<void> {
  if (!RECORD_ID.test(w.crmId))
    throw new ValidationError(`referral ${w.referralId}: '${w.crmId.slice(0, 40)}' is not a Salesforce record id`);
  if (!LEVEL.test(w.level))
    throw new ValidationError(
      `referral ${w.referralId}: expiry level '${w.level.slice(0, 40)}' must be letters, digits, _ or -`,
    );
  if (!isUrlSafeId(w.referralId))
    throw new ValidationError(`referral id '${w.referralId.slice(0, 80)}' is not URL-safe`);
  const ctx = { object: s.objectName, referralId: w.referralId };

  const opp = parseResponse(
    Owner,
    await session.call({ method: 'GET', url: `/sobjects/${s.objectName}/${w.crmId}?fields=OwnerId` }, ctx),
    `${s.objectName} read`,
  );
  if (w.setsLevel !== false)
    await updateById(
      session,
      s.objectName,
      w.crmId,
      { [s.expiryFields.expiresAt]: w.deadline.toISOString(), [s.expiryFields.level]: w.level },
      ctx,
    );
  const task = {
    [s.taskLink ?? 'WhatId']: w.crmId,
    OwnerId: opp.OwnerId,
    Subject: clip(w.taskSubject, SUBJECT_MAX),
    Description: clip(w.taskDescription, DESCRIPTION_MAX),
    ActivityDate: dateIn(w.deadline, s.taskTimeZone),
    Priority: 'High',
  };
  const r = await upsertSingle(session, 'Task', s.taskKeyField, taskKey(w.referralId, w.level), task, {
    object: 'Task',
    referralId: w.referralId,
  });
  if (!r.ok) throw r.error;
}

/**
 * What the expiry writer left on one opportunity: its level field, and which of `alerts` have
 * their Task (by the task key field, one query). Two GET calls, nothing written.
 */
export async function readAppliedExpiry(
  session: SalesforceSession,
  s: ExpirySettings,
  q: { referralId: string; crmId: string; alerts: readonly string[] },
): Promise<AppliedExpiry> {
  if (!RECORD_ID.test(q.crmId))
    throw new ValidationError(`referral ${q.referralId}: '${q.crmId.slice(0, 40)}' is not a Salesforce record id`);
  const ctx = { object: s.objectName, referralId: q.referralId };
  const Level = z.looseObject({ [s.expiryFields.level]: z.string().nullable().optional() });
  const body = await session.call(
    { method: 'GET', url: `/sobjects/${s.objectName}/${q.crmId}?fields=${s.expiryFields.level}` },
    ctx,
  );
  const level = parseResponse(Level, body, `${s.objectName} read`)[s.expiryFields.level];
  const byKey = new Map(q.alerts.map((a) => [taskKey(q.referralId, a), a]));
  const tasks = new Set<string>();
  if (byKey.size > 0) {
    const keys = [...byKey.keys()].map(soqlString).join(', ');
    const rows = await queryAll(session, `SELECT ${s.taskKeyField} FROM Task WHERE ${s.taskKeyField} IN (${keys})`, {
      object: 'Task',
      referralId: q.referralId,
    });
    for (const row of rows) {
      const alert = byKey.get(String(row[s.taskKeyField]));
      if (alert) tasks.add(alert);
    }
  }
  return { level: typeof level === 'string' && level !== '' ? level : null, tasks };
}
