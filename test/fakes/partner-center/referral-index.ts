import { randomUUID } from 'node:crypto';

/** A referral as the fake stores it: plain JSON, any shape (tests seed invalid ones on purpose). */
export type FakeReferral = Record<string, unknown>;

interface Entry {
  /** The referral id, or an internal key for a seeded item without a string id. */
  key: string;
  /** updatedDateTime in ms: the sort key, ties broken by key. */
  t: number;
  status: string | undefined;
  /** Stored serialised: about a third of the heap of a parsed object, and a page is a string join. */
  json: string;
}

export interface ListCursor {
  t: number;
  key: string;
}

export interface IndexQuery {
  /** Lower bound on updatedDateTime (ms) and whether it is inclusive (`ge`) or not (`gt`). */
  since?: { t: number; inclusive: boolean } | undefined;
  status?: string | undefined;
  desc: boolean;
  top: number;
  after?: ListCursor | undefined;
  /** Matching items to pass over first: offset paging (`$skiptoken` as a position in the live order). */
  skip?: number | undefined;
}

const cmp = (a: { t: number; key: string }, b: { t: number; key: string }): number =>
  a.t - b.t || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

const timeOf = (doc: FakeReferral): number => {
  const raw = typeof doc.updatedDateTime === 'string' ? doc.updatedDateTime : doc.createdDateTime;
  const t = typeof raw === 'string' ? Date.parse(raw) : Number.NaN;
  return Number.isNaN(t) ? 0 : t;
};

/**
 * Referrals kept sorted by (updatedDateTime, key) in one array, so a list call is a binary
 * search plus a slice: O(log n + page) even at 100k referrals. A write moves one entry.
 */
export class ReferralIndex {
  private readonly byKey = new Map<string, Entry>();
  private sorted: Entry[] = [];
  private lastWrite = 0;
  private anonymous = 0;

  constructor(private readonly now: () => number) {}

  get size(): number {
    return this.sorted.length;
  }

  /**
   * Bulk load: one sort at the end instead of one insert per item. Keeps given eTags/times; an
   * item without an eTag gets one, except `eTag: null` (a malformed item the service sends so).
   */
  seed(docs: FakeReferral[]): void {
    for (const doc of docs) {
      const copy: FakeReferral = { ...doc };
      if (typeof copy.eTag !== 'string' && copy.eTag !== null) copy.eTag = newETag();
      const key = typeof copy.id === 'string' ? copy.id : `__no-id-${++this.anonymous}`;
      this.byKey.set(key, toEntry(key, copy));
    }
    this.sorted = [...this.byKey.values()].sort(cmp);
  }

  get(key: string): FakeReferral | undefined {
    const entry = this.byKey.get(key);
    return entry ? (JSON.parse(entry.json) as FakeReferral) : undefined;
  }

  all(): FakeReferral[] {
    return this.sorted.map((e) => JSON.parse(e.json) as FakeReferral);
  }

  /** Stores a write the way the service does: fresh eTag, updatedDateTime = now (strictly increasing). */
  write(key: string, doc: FakeReferral): FakeReferral {
    const t = Math.max(this.now(), this.lastWrite + 1);
    this.lastWrite = t;
    const stored: FakeReferral = { ...doc, id: key, eTag: newETag(), updatedDateTime: new Date(t).toISOString() };
    if (stored.createdDateTime === undefined) stored.createdDateTime = stored.updatedDateTime;
    const old = this.byKey.get(key);
    if (old) this.sorted.splice(this.position(old), 1);
    const entry = toEntry(key, stored);
    this.byKey.set(key, entry);
    this.sorted.splice(this.lowerBound(entry), 0, entry);
    return stored;
  }

  /** Up to `top` serialised referrals after the cursor, plus the cursor of the last one. */
  page(q: IndexQuery): { items: string[]; last: ListCursor | undefined; more: boolean } {
    const items: string[] = [];
    let last: ListCursor | undefined;
    const step = q.desc ? -1 : 1;
    let i = this.startIndex(q);
    let skip = q.skip ?? 0;
    for (; i >= 0 && i < this.sorted.length; i += step) {
      const e = this.sorted[i];
      if (!e) break;
      if (q.desc && q.since && (e.t < q.since.t || (!q.since.inclusive && e.t === q.since.t)))
        return { items, last, more: false };
      if (q.status !== undefined && e.status !== q.status) continue;
      if (skip > 0) {
        skip -= 1;
        continue;
      }
      if (items.length === q.top) return { items, last, more: true };
      items.push(e.json);
      last = { t: e.t, key: e.key };
    }
    return { items, last, more: false };
  }

  private startIndex(q: IndexQuery): number {
    if (!q.desc) {
      const from = q.after ?? (q.since ? { t: q.since.t, key: '' } : undefined);
      if (!from) return 0;
      let i = this.lowerBound(from);
      if (q.after) while (this.sorted[i] && cmp(this.sorted[i] as Entry, q.after) <= 0) i++;
      else if (q.since && !q.since.inclusive) while (this.sorted[i] && (this.sorted[i] as Entry).t === q.since.t) i++;
      return i;
    }
    if (!q.after) return this.sorted.length - 1;
    return this.lowerBound(q.after) - 1;
  }

  /** First index whose entry sorts at or after `probe`. */
  private lowerBound(probe: { t: number; key: string }): number {
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cmp(this.sorted[mid] as Entry, probe) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private position(entry: Entry): number {
    const i = this.lowerBound(entry);
    if (this.sorted[i] !== entry) throw new Error(`fake index out of order at ${entry.key}`);
    return i;
  }
}

function toEntry(key: string, doc: FakeReferral): Entry {
  return {
    key,
    t: timeOf(doc),
    status: typeof doc.status === 'string' ? doc.status : undefined,
    json: JSON.stringify(doc),
  };
}

/** The service's eTags are quoted GUID-like strings (docs/partner-center-referrals-api.md, "The referral resource"). */
export const newETag = (): string => `"${randomUUID()}"`;
