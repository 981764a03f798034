import { z } from 'zod';
import type { ColumnCheck, ColumnRequirement } from '../../../connectors/dynamics/check-dataverse.ts';
import type { SObjectDescribe } from '../../../connectors/salesforce/check-salesforce.ts';
import { NotFoundError } from '../../../src/errors.ts';
import { checkMappedFields, type CrmFieldInfo } from '../../../src/mapping/crm-field-check.ts';
import type { Mapping } from '../../../src/mapping/schema.ts';
import type { CrmFieldProblem } from './studio-routes.ts';

/*
 * The studio's live CRM checks (issue 17): Salesforce describe per object (exists, writable, type,
 * picklist values: src/mapping/crm-field-check.ts), Dataverse through the connector's column check
 * that `doctor` uses (exists, writable). Metadata is cached for `ttlMs` so checking as one types
 * does not describe the org on every keystroke; the studio's "refresh" drops the cache.
 */

const Picklist = z.array(z.looseObject({ value: z.string(), active: z.boolean().optional() })).optional();

const fieldsOf = (d: SObjectDescribe): CrmFieldInfo[] =>
  d.fields.map((f) => {
    const values = Picklist.safeParse((f as Record<string, unknown>).picklistValues);
    const picklist = values.success ? (values.data ?? []).filter((v) => v.active !== false).map((v) => v.value) : [];
    return {
      name: f.name,
      type: f.type ?? 'string',
      writable: f.createable !== false && f.updateable !== false,
      ...(picklist.length > 0 ? { picklist } : {}),
    };
  });

export interface CrmCheckTargets {
  salesforce?: { describe(object: string): Promise<SObjectDescribe> } | undefined;
  dynamics?: { checkColumns(extra: ColumnRequirement[]): Promise<ColumnCheck[]> } | undefined;
  ttlMs?: number;
  now?: () => number;
}

export function createCrmChecks(t: CrmCheckTargets) {
  const ttl = t.ttlMs ?? 5 * 60_000;
  const now = t.now ?? Date.now;
  const cache = new Map<string, { at: number; value: Promise<unknown> }>();
  const cached = <T>(key: string, load: () => Promise<T>): Promise<T> => {
    const hit = cache.get(key);
    if (hit && now() - hit.at < ttl) return hit.value as Promise<T>;
    const value = load();
    cache.set(key, { at: now(), value });
    value.catch(() => cache.delete(key));
    return value;
  };

  const describeFields = (object: string) =>
    cached(`sf:${object}`, async () => {
      try {
        return fieldsOf(await (t.salesforce as NonNullable<CrmCheckTargets['salesforce']>).describe(object));
      } catch (err) {
        if (err instanceof NotFoundError) return null;
        throw err;
      }
    });

  return async (mapping: Mapping, refresh: boolean): Promise<CrmFieldProblem[]> => {
    if (refresh) cache.clear();
    const out: CrmFieldProblem[] = [];
    const sf = mapping.salesforce;
    if (sf && t.salesforce) {
      const objects: [string, Record<string, NonNullable<typeof sf.fields>[string]>, string][] = [
        [sf.object, sf.fields, 'salesforce.fields'],
        ...(sf.account
          ? [[sf.account.object, sf.account.fields, 'salesforce.account.fields'] as [string, typeof sf.fields, string]]
          : []),
      ];
      for (const [object, rules, at] of objects) {
        const fields = await describeFields(object);
        out.push(...checkMappedFields(rules, fields, at, object).map((p) => ({ crm: 'salesforce' as const, ...p })));
      }
    }
    const dv = mapping.dynamics;
    if (dv && t.dynamics) {
      const req = (entitySet: string, rules: Record<string, unknown>, at: string) =>
        Object.keys(rules).map((name) => ({
          at: `${at}.${name}`,
          req: { entitySet, column: name.replace(/@odata\.bind$/, ''), role: 'writable' as const, purpose: 'mapped' },
        }));
      const wanted = [
        ...req(dv.entitySet, dv.fields, 'dynamics.fields'),
        ...(dv.account ? req(dv.account.entitySet, dv.account.fields, 'dynamics.account.fields') : []),
      ];
      const key = `dv:${JSON.stringify(wanted.map((w) => w.req))}`;
      const dynamics = t.dynamics;
      const checks = await cached(key, () => dynamics.checkColumns(wanted.map((w) => w.req)));
      for (const c of checks.filter((x) => !x.ok)) {
        const w = wanted.find((x) => x.req.entitySet === c.entitySet && x.req.column === c.column);
        if (w) out.push({ crm: 'dynamics', path: w.at, message: c.problem ?? 'not usable' });
      }
    }
    return out;
  };
}
