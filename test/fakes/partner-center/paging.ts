import { randomUUID } from 'node:crypto';
import type { IndexQuery, ListCursor, ReferralIndex } from './referral-index.ts';

/**
 * What `$skiptoken` means, which Partner Center does not document (docs/partner-center-paging.md: only "follow
 * @odata.nextLink"). Each is a way a real service could behave, so the sync is tested against all:
 * - `keyset`: the token holds the (updatedDateTime, id) of the last item served; the next page
 *   starts after it in the live data (the default, what the fake always did).
 * - `offset`: the token is a position in the live order. A referral edited between two pages
 *   moves to the end, everything behind it shifts one place forward, and the next page skips
 *   one referral (issue 12: the fault run that lost 1 of 2,000).
 * - `snapshot`: the first request pins the result set; its pages are served from that copy,
 *   whatever is edited meanwhile.
 */
export type PagingMode = 'keyset' | 'offset' | 'snapshot';

export type PageToken =
  | { kind: 'keyset'; cursor: ListCursor }
  | { kind: 'offset'; offset: number }
  | { kind: 'snapshot'; id: string; offset: number };

/** Opaque to clients, as the service's are. */
export function encodePageToken(token: PageToken): string {
  return Buffer.from(JSON.stringify(token)).toString('base64url');
}

export function decodePageToken(raw: string): PageToken | undefined {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const t = v as Record<string, unknown>;
  const c = t.cursor as Record<string, unknown> | undefined;
  if (t.kind === 'keyset' && typeof c?.t === 'number' && typeof c.key === 'string')
    return { kind: 'keyset', cursor: { t: c.t, key: c.key } };
  if (t.kind === 'offset' && isCount(t.offset)) return { kind: 'offset', offset: t.offset };
  if (t.kind === 'snapshot' && typeof t.id === 'string' && isCount(t.offset))
    return { kind: 'snapshot', id: t.id, offset: t.offset };
  return undefined;
}

const isCount = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0;

/** Pinned result sets kept at once; the oldest is dropped first (its nextLinks then answer 400). */
const MAX_SNAPSHOTS = 500;

export class Pager {
  mode: PagingMode = 'keyset';
  private readonly snapshots = new Map<string, string[]>();

  constructor(private readonly index: ReferralIndex) {}

  /**
   * One page of serialised referrals and the token of the next one. A token is served the way it
   * was issued, so a nextLink handed out before a mode switch still works.
   */
  page(query: IndexQuery, token: PageToken | undefined): { items: string[]; next: PageToken | undefined } | undefined {
    const kind = token?.kind ?? this.mode;
    if (kind === 'keyset') {
      const r = this.index.page({ ...query, after: token?.kind === 'keyset' ? token.cursor : undefined });
      return { items: r.items, next: r.more && r.last ? { kind: 'keyset', cursor: r.last } : undefined };
    }
    if (kind === 'offset') {
      const offset = token?.kind === 'offset' ? token.offset : 0;
      const r = this.index.page({ ...query, skip: offset });
      return { items: r.items, next: r.more ? { kind: 'offset', offset: offset + r.items.length } : undefined };
    }
    if (token?.kind === 'snapshot') {
      const pinned = this.snapshots.get(token.id);
      return pinned ? this.slice(token.id, pinned, token.offset, query.top) : undefined;
    }
    const pinned = this.index.page({ ...query, top: Number.POSITIVE_INFINITY }).items;
    const id = randomUUID();
    if (pinned.length > query.top) this.pin(id, pinned);
    return this.slice(id, pinned, 0, query.top);
  }

  private slice(
    id: string,
    pinned: string[],
    offset: number,
    top: number,
  ): { items: string[]; next: PageToken | undefined } {
    const items = pinned.slice(offset, offset + top);
    const end = offset + items.length;
    return { items, next: end < pinned.length ? { kind: 'snapshot', id, offset: end } : undefined };
  }

  private pin(id: string, items: string[]): void {
    this.snapshots.set(id, items);
    if (this.snapshots.size > MAX_SNAPSHOTS) {
      const oldest = this.snapshots.keys().next().value;
      if (oldest !== undefined) this.snapshots.delete(oldest);
    }
  }
}
