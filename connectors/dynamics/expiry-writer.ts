import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ValidationError } from '../../src/errors.ts';
import type { AppliedExpiry, ExpiryWarning } from '../../src/ports/crm.ts';
import type { DataverseHttp } from './dataverse-http.ts';
import { bindPath, byId, isGuid, query } from './odata.ts';

export interface ExpirySettings {
  entitySet: string;
  /** Logical name of the table the task is regarding: opportunity (default), or lead (issue 16). */
  regarding?: 'opportunity' | 'lead';
  expiryColumns: { expiresAt: string; level: string };
}

const LEVEL = /^[A-Za-z0-9_-]{1,40}$/;
/** task.subject holds 200 characters, task.description 2,000 (Dataverse table definitions). */
const SUBJECT_MAX = 200;
const DESCRIPTION_MAX = 2_000;
/** Namespace of our task ids (a random v4, fixed forever: changing it re-creates every task). */
const TASK_NAMESPACE = '0f3c9a52-7d41-4e8b-9b6e-2a5d8c1e4f70';

const Opportunity = z.looseObject({
  statecode: z.number().int(),
  _ownerid_value: z.string().nullable().optional(),
  '_ownerid_value@Microsoft.Dynamics.CRM.lookuplogicalname': z.string().optional(),
});

/** RFC 9562 name-based (SHA-1, version 5) UUID: the same name always gives the same id. */
export function uuidV5(name: string, namespace: string): string {
  const bytes = createHash('sha1')
    .update(Buffer.from(namespace.replace(/-/g, ''), 'hex'))
    .update(name, 'utf8')
    .digest()
    .subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The follow-up task's activityid, one per referral and level. */
export const taskId = (referralId: string, level: string): string => uuidV5(`${referralId}|${level}`, TASK_NAMESPACE);

const clip = (s: string, max: number): string => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);

/**
 * Sets the expiry columns on the opportunity, then creates one task regarding it for its
 * owner. The task's activityid is derived from referral id and level, and it is written with
 * `PATCH tasks(<id>)` + `If-None-Match: *` (create only): a retry after a partial failure gets
 * 412 for the task that exists and stops there, so there is never a second task, and a task
 * the owner already completed (read-only in Dataverse) is not touched.
 */
export async function applyExpiryWarning(http: DataverseHttp, s: ExpirySettings, w: ExpiryWarning): Promise<void> {
  if (!isGuid(w.crmId))
    throw new ValidationError(`referral ${w.referralId}: '${w.crmId.slice(0, 40)}' is not a Dataverse opportunity id`);
  if (!LEVEL.test(w.level))
    throw new ValidationError(
      `referral ${w.referralId}: expiry level '${w.level.slice(0, 40)}' must be letters, digits, _ or -`,
    );

  const res = await http.call(
    {
      method: 'GET',
      path: `${byId(s.entitySet, w.crmId)}${query({ $select: '_ownerid_value,statecode' })}`,
      headers: { Prefer: 'odata.include-annotations="Microsoft.Dynamics.CRM.lookuplogicalname"' },
    },
    w.referralId,
  );
  const parsed = Opportunity.safeParse(res.data);
  if (!parsed.success)
    throw new ValidationError(`dynamics ${s.entitySet} read (referral ${w.referralId}) failed its schema`);
  const opp = parsed.data;

  // A closed opportunity is read-only; the task still reaches the seller. A contact-me task
  // leaves the level columns alone.
  if (opp.statecode === 0 && w.setsLevel !== false) {
    await http.call(
      {
        method: 'PATCH',
        path: byId(s.entitySet, w.crmId),
        body: { [s.expiryColumns.expiresAt]: w.deadline.toISOString(), [s.expiryColumns.level]: w.level },
        // Update only: PATCH by id would otherwise re-create an opportunity deleted meanwhile.
        headers: { 'If-Match': '*' },
      },
      w.referralId,
    );
  }

  const task: Record<string, unknown> = {
    subject: clip(w.taskSubject, SUBJECT_MAX),
    description: clip(w.taskDescription, DESCRIPTION_MAX),
    scheduledend: w.deadline.toISOString(),
    prioritycode: 2, // High
    [`regardingobjectid_${s.regarding ?? 'opportunity'}_task@odata.bind`]: bindPath(s.entitySet, w.crmId),
  };
  const owner = opp._ownerid_value;
  if (owner && isGuid(owner)) {
    const kind = opp['_ownerid_value@Microsoft.Dynamics.CRM.lookuplogicalname'] === 'team' ? 'teams' : 'systemusers';
    task['ownerid@odata.bind'] = bindPath(kind, owner);
  }
  const created = await http.attempt(
    {
      method: 'PATCH',
      path: byId('tasks', taskId(w.referralId, w.level)),
      body: task,
      headers: { 'If-None-Match': '*' },
    },
    w.referralId,
  );
  if (!created.ok && created.failure.status !== 412) throw created.error;
}

/**
 * What the expiry writer left on one opportunity: its level column, and which of `alerts` have
 * their task (the activityids are derived, so one filter on them). Two GETs, nothing written.
 */
export async function readAppliedExpiry(
  http: DataverseHttp,
  s: ExpirySettings,
  q: { referralId: string; crmId: string; alerts: readonly string[] },
): Promise<AppliedExpiry> {
  if (!isGuid(q.crmId))
    throw new ValidationError(`referral ${q.referralId}: '${q.crmId.slice(0, 40)}' is not a Dataverse opportunity id`);
  const column = s.expiryColumns.level;
  const res = await http.call(
    { method: 'GET', path: `${byId(s.entitySet, q.crmId)}${query({ $select: column })}` },
    q.referralId,
  );
  const parsed = z.looseObject({ [column]: z.string().nullable().optional() }).safeParse(res.data);
  if (!parsed.success)
    throw new ValidationError(`dynamics ${s.entitySet} read (referral ${q.referralId}) failed its schema`);
  const level = parsed.data[column];
  const byTaskId = new Map(q.alerts.map((a) => [taskId(q.referralId, a), a]));
  const tasks = new Set<string>();
  if (byTaskId.size > 0) {
    const filter = [...byTaskId.keys()].map((id) => `activityid eq ${id}`).join(' or ');
    for await (const rows of http.pages(`tasks${query({ $select: 'activityid', $filter: filter })}`)) {
      for (const row of rows) {
        const alert = typeof row.activityid === 'string' ? byTaskId.get(row.activityid.toLowerCase()) : undefined;
        if (alert) tasks.add(alert);
      }
    }
  }
  return { level: typeof level === 'string' && level !== '' ? level : null, tasks };
}
