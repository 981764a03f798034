import { DEFAULT_FIELDS, KEY_PREFIXES, type FieldSpec, type StageSpec } from './fake-schema.ts';
import { sfDateTime, TypeTable, type SfRecord, type SfValue } from './fake-table.ts';
import { checkRecord, validateWrite, type SfError } from './fake-validate.ts';

export type { SfError };
export type WriteResult = { ok: true; id: string; created: boolean } | { ok: false; errors: SfError[] };

export interface WriteRequest {
  type: string;
  body: Record<string, unknown>;
  mode: 'create' | 'update' | 'upsert';
  /** Target record for `update`. */
  id?: string;
  /** External-id field and value for `upsert`. */
  extField?: string;
  extValue?: string;
  userId: string;
}

export interface StoreOptions {
  /** Extra or replacement fields per object, merged over the defaults by name. */
  fields?: Record<string, FieldSpec[]>;
  strictFields: boolean;
  enforceLengths: boolean;
  stages: StageSpec[];
  now: () => Date;
  integrationUserId: string;
  /** Organization.DefaultCurrencyIsoCode (default USD). */
  orgCurrency?: string;
  /** Object types the org does not have (e.g. OpportunityTeamMember without Team Selling). */
  omitTypes?: readonly string[];
}

interface Injected {
  code: string;
  times: number;
  message: string | undefined;
}

/** The fake org's data: typed tables, write validation, injected per-record failures. */
export class FakeStore {
  private readonly tables = new Map<string, TypeTable>();
  private readonly byPrefix = new Map<string, TypeTable>();
  private readonly injected = new Map<string, Injected>();
  readonly stages = new Map<string, StageSpec>();
  /** Greatest SystemModstamp issued or set, in ms (see `stamp`). */
  private lastStamp = Number.NEGATIVE_INFINITY;

  constructor(private readonly opts: StoreOptions) {
    const omitted = new Set((opts.omitTypes ?? []).map((t) => t.toLowerCase()));
    const names = new Set(
      [...Object.keys(DEFAULT_FIELDS), ...Object.keys(opts.fields ?? {})].filter((n) => !omitted.has(n.toLowerCase())),
    );
    let custom = 0;
    for (const name of names) {
      const merged = new Map<string, FieldSpec>();
      for (const f of [...(DEFAULT_FIELDS[name] ?? []), ...(opts.fields?.[name] ?? [])])
        merged.set(f.name.toLowerCase(), f);
      if (!merged.has('id')) merged.set('id', { name: 'Id', type: 'id', readOnly: true });
      const prefix = KEY_PREFIXES[name] ?? `a0${(custom++).toString(36).toUpperCase()}`;
      const table = new TypeTable(name, prefix, [...merged.values()]);
      this.tables.set(name.toLowerCase(), table);
      this.byPrefix.set(prefix, table);
    }
    for (const s of opts.stages) {
      this.stages.set(s.ApiName.toLowerCase(), s);
      this.put('OpportunityStage', { ...s }, opts.integrationUserId);
    }
    this.put(
      'Organization',
      { Name: 'Northwind Cloud Partners', DefaultCurrencyIsoCode: opts.orgCurrency ?? 'USD' },
      opts.integrationUserId,
    );
    // The org's first two users: the integration user (005…1AAA) and the seller who edits in the
    // UI (005…2AAA), so users a test adds get ids of their own.
    this.put(
      'User',
      { FirstName: 'Integration', LastName: 'User', Email: 'integration@referral-sync.test' },
      opts.integrationUserId,
    );
    this.put(
      'User',
      { FirstName: 'Sam', LastName: 'Seller', Email: 'sam.seller@partner.test' },
      opts.integrationUserId,
    );
  }

  table(type: string): TypeTable | undefined {
    return this.tables.get(type.toLowerCase());
  }

  typeNames(): string[] {
    return [...this.tables.values()].map((t) => t.name);
  }

  tableOfId(id: string): TypeTable | undefined {
    return this.byPrefix.get(id.slice(0, 3));
  }

  /**
   * The fake's clock made strictly increasing: two writes in the same millisecond (or under a
   * frozen `now`) still get distinct, ordered SystemModstamps, so polling tests are deterministic.
   */
  private stamp(): string {
    const ms = Math.max(this.opts.now().getTime(), this.lastStamp + 1);
    this.lastStamp = ms;
    return sfDateTime(new Date(ms));
  }

  /** A SystemModstamp set explicitly (test setup) moves the clock's floor too. */
  private observe(rec: SfRecord): void {
    const ms = typeof rec.SystemModstamp === 'string' ? Date.parse(rec.SystemModstamp) : Number.NaN;
    if (!Number.isNaN(ms)) this.lastStamp = Math.max(this.lastStamp, ms);
  }

  injectFailure(extValue: string, code: string, times: number, message?: string): void {
    this.injected.set(extValue.toLowerCase(), { code, times, message });
  }

  /** Consumes one injected failure for `extValue`, if any is armed. */
  private takeInjected(extValue: string | undefined): SfError | undefined {
    if (extValue === undefined) return undefined;
    const key = extValue.toLowerCase();
    const hit = this.injected.get(key);
    if (!hit) return undefined;
    hit.times -= 1;
    if (hit.times <= 0) this.injected.delete(key);
    return { statusCode: hit.code, message: hit.message ?? injectedMessage(hit.code), fields: [] };
  }

  write(req: WriteRequest): WriteResult {
    const table = this.table(req.type);
    if (!table) return fail('NOT_FOUND', `sObject type '${req.type}' is not supported.`);
    const { strictFields, enforceLengths } = this.opts;
    const checked = validateWrite(table, req, {
      strictFields,
      enforceLengths,
      stages: this.stages,
      lookup: (type) => this.table(type),
    });
    if (!checked.ok) return checked;
    const { values, extValue } = checked;
    const injected = this.takeInjected(extValue);
    if (injected) return { ok: false, errors: [injected] };

    let existing: SfRecord | undefined;
    if (req.mode === 'update') {
      existing = req.id === undefined ? undefined : table.byId.get(req.id);
      if (!existing) return fail('ENTITY_IS_DELETED', 'entity is deleted');
    } else if (req.mode === 'upsert' && req.extField !== undefined) {
      const holder = table.holder(table.field(req.extField)?.name ?? req.extField, extValue ?? null);
      existing = holder === undefined ? undefined : table.byId.get(holder);
    }
    // Salesforce locks a converted Lead: updates (by Id or by external id) are refused.
    if (existing && table.name === 'Lead' && existing.IsConverted === true)
      return fail('CANNOT_UPDATE_CONVERTED_LEAD', 'cannot reference converted lead');
    const problems = checkRecord(table, values, existing, this.stages);
    if (problems.length > 0) return { ok: false, errors: problems };
    const id = this.apply(table, existing, values, req.userId);
    return { ok: true, id, created: existing === undefined };
  }

  private apply(table: TypeTable, existing: SfRecord | undefined, values: SfRecord, userId: string): string {
    const stamp = this.stamp();
    const base: SfRecord = existing
      ? { ...existing }
      : {
          Id: table.nextId(),
          CreatedDate: stamp,
          CreatedById: userId,
          OwnerId: userId,
          IsDeleted: false,
          ...createDefaults(table.name),
        };
    const rec: SfRecord = {
      ...base,
      ...values,
      LastModifiedDate: stamp,
      LastModifiedById: userId,
      SystemModstamp: stamp,
    };
    this.derive(table.name, rec);
    table.put(rec);
    return String(rec.Id);
  }

  /** Formula-like fields: IsClosed/IsWon follow the stage, as in a real org. */
  private derive(type: string, rec: SfRecord): void {
    if (type !== 'Opportunity') return;
    const stage = typeof rec.StageName === 'string' ? this.stages.get(rec.StageName.toLowerCase()) : undefined;
    rec.IsClosed = stage?.IsClosed ?? false;
    rec.IsWon = stage?.IsWon ?? false;
  }

  /** Writes without validation (test setup). System fields in `fields` override the defaults. */
  put(type: string, fields: Record<string, SfValue>, userId: string): string {
    const table = this.table(type);
    if (!table) throw new Error(`fake salesforce: unknown type ${type}`);
    const canonical = this.canonicalize(table, fields);
    const id = typeof canonical.Id === 'string' ? canonical.Id : undefined;
    const existing = id === undefined ? undefined : table.byId.get(id);
    const stamp = this.stamp();
    const rec: SfRecord = {
      ...(existing ?? {
        Id: id ?? table.nextId(),
        CreatedDate: stamp,
        CreatedById: userId,
        OwnerId: userId,
        IsDeleted: false,
      }),
      LastModifiedDate: stamp,
      LastModifiedById: userId,
      SystemModstamp: stamp,
      ...canonical,
    };
    this.derive(table.name, rec);
    this.observe(rec);
    table.put(rec);
    return String(rec.Id);
  }

  /** A change made in the UI by `userId`: bumps SystemModstamp, no validation. */
  touch(id: string, fields: Record<string, SfValue>, userId: string): void {
    const table = this.tableOfId(id);
    const existing = table?.byId.get(id);
    if (!table || !existing) throw new Error(`fake salesforce: no record ${id}`);
    const stamp = this.stamp();
    const rec: SfRecord = {
      ...existing,
      ...this.canonicalize(table, fields),
      LastModifiedDate: stamp,
      LastModifiedById: userId,
      SystemModstamp: stamp,
    };
    this.derive(table.name, rec);
    table.put(rec);
  }

  /**
   * Lead conversion as a seller does it in the UI (Salesforce's convertLead): a new Account
   * (Company) and Opportunity (`opportunity` over defaults), then the Lead is marked converted
   * (IsConverted, ConvertedOpportunityId, ConvertedAccountId, Status "Closed - Converted") and
   * locked. `opportunity` may carry custom fields, as the org's lead field mapping copies them.
   */
  convertLead(
    leadId: string,
    opportunity: Record<string, SfValue>,
    userId: string,
    today: string,
  ): { opportunityId: string; accountId: string } {
    const lead = this.table('Lead')?.byId.get(leadId);
    if (!lead) throw new Error(`fake salesforce: no Lead ${leadId}`);
    if (lead.IsConverted === true) throw new Error(`fake salesforce: Lead ${leadId} is already converted`);
    const company = typeof lead.Company === 'string' ? lead.Company : 'Unknown';
    const accountId = this.put('Account', { Name: company }, userId);
    const opportunityId = this.put(
      'Opportunity',
      {
        Name: `${company}-`,
        StageName: 'Prospecting',
        CloseDate: today,
        AccountId: accountId,
        LeadSource: lead.LeadSource ?? null,
        ...opportunity,
      },
      userId,
    );
    this.touch(
      leadId,
      {
        IsConverted: true,
        ConvertedOpportunityId: opportunityId,
        ConvertedAccountId: accountId,
        ConvertedDate: today,
        Status: 'Closed - Converted',
      },
      userId,
    );
    return { opportunityId, accountId };
  }

  /** Deletes a record to the recycle bin: later reads and writes by Id answer ENTITY_IS_DELETED. */
  softDelete(id: string): void {
    const table = this.tableOfId(id);
    if (!table?.byId.has(id)) throw new Error(`fake salesforce: no record ${id}`);
    table.remove(id);
    table.deleted.add(id);
  }

  private canonicalize(table: TypeTable, fields: Record<string, SfValue>): SfRecord {
    const out: SfRecord = {};
    for (const [k, v] of Object.entries(fields)) {
      const spec = table.field(k) ?? table.addField({ name: k, type: 'string' });
      out[spec.name] = v;
    }
    return out;
  }
}

function createDefaults(type: string): SfRecord {
  if (type === 'Lead') return { Status: 'Open - Not Contacted', IsConverted: false };
  return type === 'Task' ? { Status: 'Not Started', Priority: 'Normal' } : {};
}

function fail(code: string, message: string): WriteResult {
  return { ok: false, errors: [{ statusCode: code, message, fields: [] }] };
}

function injectedMessage(code: string): string {
  if (code === 'UNABLE_TO_LOCK_ROW') return 'unable to obtain exclusive access to this record or 1 records';
  if (code === 'REQUIRED_FIELD_MISSING') return 'Required fields are missing: [Name]';
  return `injected failure: ${code}`;
}
