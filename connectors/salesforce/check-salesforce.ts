import { z } from 'zod';
import { NotFoundError } from '../../src/errors.ts';
import type { SignedIn } from './sign-in.ts';

/** What `describe` tells us about one field. */
const FieldDescribe = z.looseObject({
  name: z.string(),
  type: z.string().optional(),
  length: z.number().optional(),
  externalId: z.boolean().optional(),
  unique: z.boolean().optional(),
  createable: z.boolean().optional(),
  updateable: z.boolean().optional(),
});
export const SObjectDescribe = z.looseObject({ name: z.string(), fields: z.array(FieldDescribe) });
export type SObjectDescribe = z.infer<typeof SObjectDescribe>;

type FieldRole = 'external-id' | 'writable' | 'readable';

export interface FieldRequirement {
  object: string;
  field: string;
  /** external-id: External ID + Unique (upsert key); writable: exists and is updateable; readable: exists. */
  role: FieldRole;
  /** What the field is for, in the report. */
  purpose: string;
}

export interface CheckItem extends FieldRequirement {
  ok: boolean;
  problem?: string;
}

export interface SalesforceCheckReport {
  ok: boolean;
  signedIn: SignedIn;
  apiVersion: string;
  items: CheckItem[];
}

/** The part of the connector `checkSalesforce` needs; the connector satisfies it. */
export interface CheckTarget {
  readonly apiVersion: string;
  signIn(): Promise<SignedIn>;
  describe(object: string): Promise<SObjectDescribe>;
  requiredFields(): FieldRequirement[];
}

/** Pure: the verdict on one required field, given the object's describe (or null if missing). */
export function checkField(req: FieldRequirement, describe: SObjectDescribe | null): CheckItem {
  if (!describe)
    return {
      ...req,
      ok: false,
      problem: `object ${req.object} does not exist or is not visible to the integration user`,
    };
  const f = describe.fields.find((x) => x.name.toLowerCase() === req.field.toLowerCase());
  if (!f)
    return {
      ...req,
      ok: false,
      problem: `field ${req.object}.${req.field} is missing (or the integration user lacks field-level access)`,
    };
  if (req.role === 'external-id') {
    if (f.externalId !== true)
      return { ...req, ok: false, problem: `${req.object}.${req.field} is not marked External ID` };
    if (f.unique !== true)
      return {
        ...req,
        ok: false,
        problem: `${req.object}.${req.field} is not Unique: upserts could match several records`,
      };
  }
  if (req.role === 'readable') return { ...req, ok: true };
  if (f.updateable === false || f.createable === false)
    return { ...req, ok: false, problem: `${req.object}.${req.field} is read-only for the integration user` };
  return { ...req, ok: true };
}

/**
 * For `doctor`: signs in, describes every object we write and reports each configured field
 * (the connector's and `extra`, the mapping's) that is missing, not External ID + Unique, or
 * read-only. Sign-in and network failures throw.
 */
export async function checkSalesforce(
  target: CheckTarget,
  extra: readonly FieldRequirement[] = [],
): Promise<SalesforceCheckReport> {
  const signedIn = await target.signIn();
  // The connector's own fields first; a mapped field it already names is checked once.
  const own = target.requiredFields();
  const named = new Set(own.map((r) => `${r.object}.${r.field}`.toLowerCase()));
  const requirements = [...own, ...extra.filter((r) => !named.has(`${r.object}.${r.field}`.toLowerCase()))];
  const describes = new Map<string, SObjectDescribe | null>();
  for (const object of new Set(requirements.map((r) => r.object))) {
    try {
      describes.set(object, await target.describe(object));
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
      describes.set(object, null);
    }
  }
  const items = requirements.map((r) => checkField(r, describes.get(r.object) ?? null));
  return { ok: items.every((i) => i.ok), signedIn, apiVersion: target.apiVersion, items };
}
