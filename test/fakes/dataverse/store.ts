import { randomUUID } from 'node:crypto';

export type Row = Record<string, unknown>;

export interface TableDef {
  /** Logical name (lookup annotations, `_x_value@…lookuplogicalname`). */
  logical: string;
  pk: string;
  /** Alternate key columns (single-column keys only). */
  keys: string[];
}

export interface StoreOptions {
  /** Alternate key of opportunities (default new_referralid). */
  opportunityKey?: string;
  /** Alternate key of accounts (default new_referralsynckey). */
  accountKey?: string;
  /** Alternate key of leads (default new_referralid). */
  leadKey?: string;
}

/** A seller in the org: owner of nothing by default, the author of `updateAsUser` edits. */
export const SELLER_ID = '5e11e500-0000-4000-8000-00000000a11c';
/** The application user the connector signs in as. */
export const APP_USER_ID = 'a9900000-0000-4000-8000-0000000000a9';

/** The environment's base currency (USD), chosen when the environment was created. */
export const BASE_CURRENCY_ID = 'c0000000-0000-4000-8000-0000000000e2';
export const CURRENCIES: Row[] = [
  { transactioncurrencyid: 'c0000000-0000-4000-8000-0000000000e1', isocurrencycode: 'EUR', currencyname: 'Euro' },
  { transactioncurrencyid: 'c0000000-0000-4000-8000-0000000000e2', isocurrencycode: 'USD', currencyname: 'US Dollar' },
  {
    transactioncurrencyid: 'c0000000-0000-4000-8000-0000000000e3',
    isocurrencycode: 'GBP',
    currencyname: 'Pound Sterling',
  },
];

/**
 * The fake's tables. Writes stamp `modifiedon` from a monotonic clock (every write gets a later
 * instant than the previous one, even within one millisecond) and `versionnumber`. While a
 * change set runs, every write records how to undo it, so a failed change set rolls back.
 */
export class DataverseStore {
  readonly defs: Record<string, TableDef>;
  private readonly tables = new Map<string, Map<string, Row>>();
  private lastStamp = 0;
  private version = 1000;
  private journal: (() => void)[] | undefined;

  constructor(
    private readonly now: () => number,
    opts: StoreOptions = {},
  ) {
    this.defs = {
      opportunities: { logical: 'opportunity', pk: 'opportunityid', keys: [opts.opportunityKey ?? 'new_referralid'] },
      accounts: { logical: 'account', pk: 'accountid', keys: [opts.accountKey ?? 'new_referralsynckey'] },
      // Leads (issue 16): statecode 0 Open, 1 Qualified, 2 Disqualified.
      leads: { logical: 'lead', pk: 'leadid', keys: [opts.leadKey ?? 'new_referralid'] },
      tasks: { logical: 'task', pk: 'activityid', keys: [] },
      opportunitycloses: { logical: 'opportunityclose', pk: 'activityid', keys: [] },
      annotations: { logical: 'annotation', pk: 'annotationid', keys: [] },
      contacts: { logical: 'contact', pk: 'contactid', keys: [] },
      transactioncurrencies: { logical: 'transactioncurrency', pk: 'transactioncurrencyid', keys: [] },
      systemusers: { logical: 'systemuser', pk: 'systemuserid', keys: [] },
      teams: { logical: 'team', pk: 'teamid', keys: [] },
      // The opportunity form's Sales Team subgrid: connections from the opportunity to users.
      connections: { logical: 'connection', pk: 'connectionid', keys: [] },
    };
    for (const set of Object.keys(this.defs)) this.tables.set(set, new Map());
    for (const c of CURRENCIES)
      this.table('transactioncurrencies').set(String(c.transactioncurrencyid), { ...c, statecode: 0 });
    this.table('systemusers').set(APP_USER_ID, {
      systemuserid: APP_USER_ID,
      fullname: 'referral-sync (application user)',
      isdisabled: false,
    });
    this.table('systemusers').set(SELLER_ID, {
      systemuserid: SELLER_ID,
      fullname: 'Sam Seller',
      firstname: 'Sam',
      lastname: 'Seller',
      internalemailaddress: 'sam.seller@partner.test',
      isdisabled: false,
    });
  }

  table(set: string): Map<string, Row> {
    const t = this.tables.get(set);
    if (!t) throw new Error(`no table ${set}`);
    return t;
  }

  setByLogical(logical: string): string | undefined {
    return Object.entries(this.defs).find(([, d]) => d.logical === logical)?.[0];
  }

  /** A later instant than any stamp before, as ISO 8601 UTC. */
  stamp(): string {
    this.lastStamp = Math.max(this.now(), this.lastStamp + 1);
    return new Date(this.lastStamp).toISOString();
  }

  get(set: string, id: string): Row | undefined {
    return this.table(set).get(id.toLowerCase());
  }

  /**
   * Alternate keys compare case-insensitively, like SQL Server's default collation. Key columns
   * are looked up in an index (the bench upserts 100 000 rows by key); other columns are scanned.
   */
  findByKey(set: string, column: string, value: string): Row | undefined {
    const v = value.toLowerCase();
    if (this.defs[set]?.keys.includes(column)) {
      const id = this.keyIndex(set, column).get(v);
      return id === undefined ? undefined : this.get(set, id);
    }
    for (const row of this.table(set).values())
      if (typeof row[column] === 'string' && (row[column] as string).toLowerCase() === v) return row;
    return undefined;
  }

  /** value (lower case) -> row id, per alternate key column; kept by insert, update, remove and rollbacks. */
  private readonly keyIndexes = new Map<string, Map<string, string>>();

  private keyIndex(set: string, column: string): Map<string, string> {
    const name = `${set}.${column}`;
    let index = this.keyIndexes.get(name);
    if (!index) {
      index = new Map();
      const pk = this.defs[set]?.pk ?? '';
      for (const row of this.table(set).values())
        if (typeof row[column] === 'string') index.set((row[column] as string).toLowerCase(), String(row[pk]));
      this.keyIndexes.set(name, index);
    }
    return index;
  }

  /** Moves `row`'s key values in the index from `before` (absent: a new row) to its current ones (absent: removed). */
  private reindex(set: string, before: Row | undefined, after: Row | undefined): void {
    const def = this.defs[set];
    if (!def) return;
    for (const column of def.keys) {
      const index = this.keyIndexes.get(`${set}.${column}`);
      if (!index) continue;
      const old = before?.[column];
      if (typeof old === 'string' && index.get(old.toLowerCase()) === String(before?.[def.pk]))
        index.delete(old.toLowerCase());
      const now = after?.[column];
      if (typeof now === 'string') index.set(now.toLowerCase(), String(after?.[def.pk]));
    }
  }

  insert(set: string, cols: Row, by: string = APP_USER_ID, id: string = randomUUID()): Row {
    const def = this.defs[set] as TableDef;
    const at = this.stamp();
    const row: Row = {
      [def.pk]: id.toLowerCase(),
      statecode: 0,
      statuscode: 1,
      createdon: at,
      modifiedon: at,
      versionnumber: ++this.version,
      _ownerid_value: APP_USER_ID,
      '_ownerid_value@Microsoft.Dynamics.CRM.lookuplogicalname': 'systemuser',
      _createdby_value: by,
      _modifiedby_value: by,
      ...cols,
    };
    this.table(set).set(id.toLowerCase(), row);
    this.reindex(set, undefined, row);
    this.journal?.push(() => this.remove(set, id));
    return row;
  }

  update(set: string, id: string, cols: Row, by: string = APP_USER_ID): Row {
    const row = this.get(set, id);
    if (!row) throw new Error(`no ${set} row ${id}`);
    const before = { ...row };
    Object.assign(row, cols, { modifiedon: this.stamp(), versionnumber: ++this.version, _modifiedby_value: by });
    this.reindex(set, before, row);
    this.journal?.push(() => {
      const changed = { ...row };
      for (const k of Object.keys(row)) delete row[k];
      Object.assign(row, before);
      this.reindex(set, changed, row);
    });
    return row;
  }

  /** Deletes a row (a seller's delete, or a rolled-back insert); false when there was none. */
  remove(set: string, id: string): boolean {
    const row = this.get(set, id);
    if (!row) return false;
    this.table(set).delete(id.toLowerCase());
    this.reindex(set, row, undefined);
    return true;
  }

  /** Runs `fn` as another transaction than a change set in progress (a seller's edit). */
  outside<T>(fn: () => T): T {
    const journal = this.journal;
    this.journal = undefined;
    try {
      return fn();
    } finally {
      this.journal = journal;
    }
  }

  /** Runs `fn` as a change set: if it returns false, every write it made is undone. */
  atomically(fn: () => boolean): boolean {
    this.journal = [];
    try {
      const ok = fn();
      if (!ok) for (const undo of this.journal.reverse()) undo();
      return ok;
    } finally {
      this.journal = undefined;
    }
  }

  rows(set: string): Row[] {
    return [...this.table(set).values()].map((r) => structuredClone(r));
  }
}
