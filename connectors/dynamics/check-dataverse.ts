import { z } from 'zod';
import { FatalError } from '../../src/errors.ts';
import type { DataverseHttp } from './dataverse-http.ts';
import type { DynamicsOptions } from './dynamics-options.ts';
import { query, stringLiteral } from './odata.ts';

/*
 * For `doctor`: every Dataverse column the sync reads or writes exists, can be written where we
 * write it, and the upsert keys are active alternate keys — read from the table definitions
 * (`EntityDefinitions`, Web API metadata), one request per table.
 *
 * UNCONFIRMED against a live environment: that EntityDefinitions takes `$filter` on
 * EntitySetName together with `$expand` of Attributes and Keys (documented for LogicalName;
 * the entity set is what the mapping names).
 */

type ColumnRole = 'alternate-key' | 'writable' | 'readable';

export interface ColumnRequirement {
  entitySet: string;
  column: string;
  /** alternate-key: an active alternate key of that one column; writable: exists and can be set; readable: exists. */
  role: ColumnRole;
  purpose: string;
}

export interface ColumnCheck extends ColumnRequirement {
  ok: boolean;
  problem?: string;
}

const EntityDefinition = z.looseObject({
  LogicalName: z.string(),
  Attributes: z
    .array(
      z.looseObject({
        LogicalName: z.string(),
        IsValidForCreate: z.boolean().nullish(),
        IsValidForUpdate: z.boolean().nullish(),
      }),
    )
    .default([]),
  Keys: z
    .array(z.looseObject({ KeyAttributes: z.array(z.string()), EntityKeyIndexStatus: z.string().nullish() }))
    .default([]),
});
export type EntityDefinition = z.infer<typeof EntityDefinition>;
const Definitions = z.looseObject({ value: z.array(EntityDefinition) });

/** The columns the connector itself uses (the mapping's written columns come from the caller). */
export function connectorColumns(o: DynamicsOptions): ColumnRequirement[] {
  const opp = o.entitySet;
  const f = o.outbound.fields;
  const readable = (column: string | null, purpose: string): ColumnRequirement[] =>
    column === null ? [] : [{ entitySet: opp, column, role: 'readable', purpose }];
  return [
    { entitySet: opp, column: o.alternateKey, role: 'alternate-key', purpose: 'referral id (upsert key)' },
    { entitySet: opp, column: o.expiryColumns.expiresAt, role: 'writable', purpose: 'referral expiry time' },
    { entitySet: opp, column: o.expiryColumns.level, role: 'writable', purpose: 'expiry warning level' },
    {
      entitySet: o.account.entitySet,
      column: o.account.keyColumn,
      role: 'alternate-key',
      purpose: 'customer match key (no duplicate accounts)',
    },
    { entitySet: opp, column: f.message, role: 'writable', purpose: 'sync message shown to the seller' },
    ...readable(f.decision, 'partner decision (accept/decline)'),
    ...readable(f.declineReason, 'decline reason'),
    ...readable(f.lostReason, 'lost reason'),
    ...readable(f.campaignId, 'campaign id'),
    ...readable(o.stageColumns.read, 'stage (on-hold stages)'),
    ...(o.stageColumns.write === null
      ? []
      : [
          {
            entitySet: opp,
            column: o.stageColumns.write,
            role: 'writable' as const,
            purpose: 'stage written by inboundStages',
          },
        ]),
    ...leadColumns(o),
    ...shareColumns(o),
  ];
}

/** The lead table's columns the Lead flow uses (issue 16), when the mapping has a lead section. */
function leadColumns(o: DynamicsOptions): ColumnRequirement[] {
  const l = o.lead;
  if (!l) return [];
  return [
    {
      entitySet: 'leads',
      column: l.alternateKey,
      role: 'alternate-key',
      purpose: 'referral id on the lead (upsert key)',
    },
    {
      entitySet: 'leads',
      column: l.expiryColumns.expiresAt,
      role: 'writable',
      purpose: 'referral expiry time on the lead',
    },
    {
      entitySet: 'leads',
      column: l.expiryColumns.level,
      role: 'writable',
      purpose: 'expiry warning level on the lead',
    },
    ...(l.message === null
      ? []
      : [{ entitySet: 'leads', column: l.message, role: 'writable' as const, purpose: 'sync message on the lead' }]),
    {
      entitySet: o.entitySet,
      column: 'originatingleadid',
      role: 'readable',
      purpose: 'lead a qualified opportunity came from (qualify = accept)',
    },
  ];
}

/** The share columns (issue 16), when sharing is configured; the lookups' targets are checked on their tables. */
function shareColumns(o: DynamicsOptions): ColumnRequirement[] {
  const sh = o.outbound.fields.share;
  if (!sh) return [];
  const opp = o.entitySet;
  const col = (entitySet: string, column: string | null, role: ColumnRole, purpose: string): ColumnRequirement[] =>
    column === null ? [] : [{ entitySet, column, role, purpose }];
  return [
    ...col(opp, sh.flag, 'readable', 'share with Microsoft flag'),
    ...col(opp, sh.helpType, 'readable', 'How can Microsoft help?'),
    ...col(opp, sh.solutions, 'readable', 'Partner Center solutions'),
    ...col(opp, sh.visibility, 'readable', 'referral visibility (deal kind)'),
    ...col(opp, sh.link, 'writable', 'link to the created referral'),
    ...col(o.account.entitySet, sh.customer.name, 'readable', 'customer name'),
    ...col(o.account.entitySet, sh.customer.country, 'readable', 'customer country (ISO-2)'),
    ...col('contacts', sh.contact.firstName, 'readable', 'customer contact first name'),
    ...col('contacts', sh.contact.lastName, 'readable', 'customer contact last name'),
    ...col('contacts', sh.contact.email, 'readable', 'customer contact email'),
    ...col('contacts', sh.contact.phone, 'readable', 'customer contact phone'),
  ];
}

/** Pure: the verdict on one column, given its table's definition (null: no such table). */
export function checkColumn(req: ColumnRequirement, def: EntityDefinition | null): ColumnCheck {
  if (!def)
    return {
      ...req,
      ok: false,
      problem: `table ${req.entitySet} does not exist or the application user cannot read its definition`,
    };
  const column = req.column.toLowerCase();
  const attr = def.Attributes.find((a) => a.LogicalName.toLowerCase() === column);
  if (!attr) return { ...req, ok: false, problem: `column ${def.LogicalName}.${req.column} does not exist` };
  if (req.role === 'alternate-key') {
    const key = def.Keys.find((k) => k.KeyAttributes.length === 1 && k.KeyAttributes[0]?.toLowerCase() === column);
    if (!key)
      return {
        ...req,
        ok: false,
        problem: `${def.LogicalName}.${req.column} has no alternate key of its own: upserts by it fail`,
      };
    if (key.EntityKeyIndexStatus && key.EntityKeyIndexStatus !== 'Active') {
      return {
        ...req,
        ok: false,
        problem: `the alternate key on ${def.LogicalName}.${req.column} is ${key.EntityKeyIndexStatus}, not Active yet`,
      };
    }
  }
  if (req.role === 'writable' && (attr.IsValidForUpdate === false || attr.IsValidForCreate === false)) {
    return { ...req, ok: false, problem: `${def.LogicalName}.${req.column} cannot be written` };
  }
  return { ...req, ok: true };
}

/** Reads each table's definition once and checks every requirement (connector's first). Sign-in and network failures throw. */
export async function checkDataverse(http: DataverseHttp, all: readonly ColumnRequirement[]): Promise<ColumnCheck[]> {
  // A column named twice (the connector's expiry column is also a mapped one) is checked once, by its first role.
  const seen = new Set<string>();
  const requirements = all.filter((r) => {
    const id = `${r.entitySet}.${r.column}`.toLowerCase();
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
  const defs = new Map<string, EntityDefinition | null>();
  for (const set of new Set(requirements.map((r) => r.entitySet))) {
    const path = `EntityDefinitions${query({
      $select: 'LogicalName,EntitySetName',
      $filter: `EntitySetName eq ${stringLiteral(set)}`,
      $expand:
        'Attributes($select=LogicalName,IsValidForCreate,IsValidForUpdate),Keys($select=KeyAttributes,EntityKeyIndexStatus)',
    })}`;
    const res = await http.call({ method: 'GET', path });
    const parsed = Definitions.safeParse(res.data);
    if (!parsed.success)
      throw new FatalError(`dynamics: the definition of table ${set} came back in an unexpected shape`);
    defs.set(set, parsed.data.value[0] ?? null);
  }
  return requirements.map((r) => checkColumn(r, defs.get(r.entitySet) ?? null));
}
