import { describe, expect, it } from 'vitest';
import { Pager, type PageToken } from './paging.ts';
import { type FakeReferral, ReferralIndex } from './referral-index.ts';

const at = (i: number): string => new Date(Date.UTC(2025, 0, 1) + i * 1000).toISOString();
const doc = (id: string, i: number): FakeReferral => ({ id, status: 'New', updatedDateTime: at(i), eTag: `"e-${id}"` });
const ids = (items: string[]): string[] => items.map((j) => (JSON.parse(j) as { id: string }).id);

/** a..f seeded; page 1 served; then `a` is edited (moves to the end); page 2 served. */
function walkWithEditBetweenPages(mode: Pager['mode']): string[][] {
  const index = new ReferralIndex(() => Date.UTC(2026, 0, 1));
  index.seed(['a', 'b', 'c', 'd', 'e', 'f'].map((id, i) => doc(id, i)));
  const pager = new Pager(index);
  pager.mode = mode;
  const q = { desc: false, top: 2 };
  const pages: string[][] = [];
  let token: PageToken | undefined;
  do {
    const served = pager.page(q, token);
    if (!served) throw new Error('token expired');
    pages.push(ids(served.items));
    if (pages.length === 1) index.write('a', doc('a', 0));
    token = served.next;
  } while (token);
  return pages;
}

describe('fake Partner Center paging modes', () => {
  it('keyset: an edit between pages moves the referral to the end; nothing is skipped', () => {
    expect(walkWithEditBetweenPages('keyset')).toEqual([['a', 'b'], ['c', 'd'], ['e', 'f'], ['a']]);
  });

  it('offset: an edit between pages shifts the live order and the next page skips one (issue 12)', () => {
    expect(walkWithEditBetweenPages('offset')).toEqual([
      ['a', 'b'],
      ['d', 'e'],
      ['f', 'a'],
    ]);
  });

  it('snapshot: pages come from the result set pinned by the first request', () => {
    expect(walkWithEditBetweenPages('snapshot')).toEqual([
      ['a', 'b'],
      ['c', 'd'],
      ['e', 'f'],
    ]);
  });

  it('snapshot: a token whose snapshot is gone is refused', () => {
    const pager = new Pager(new ReferralIndex(() => 0));
    pager.mode = 'snapshot';
    expect(pager.page({ desc: false, top: 2 }, { kind: 'snapshot', id: 'gone', offset: 2 })).toBeUndefined();
  });
});
