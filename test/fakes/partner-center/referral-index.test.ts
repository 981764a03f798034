import { describe, expect, it } from 'vitest';
import { applyPatch } from './json-patch.ts';
import { parseListQuery } from './odata.ts';
import { type FakeReferral, ReferralIndex } from './referral-index.ts';

const at = (i: number): string => new Date(Date.UTC(2025, 0, 1) + i * 1000).toISOString();
const doc = (id: string, i: number, status = 'New'): FakeReferral => ({
  id,
  status,
  updatedDateTime: at(i),
  eTag: `"e-${id}"`,
});
const ids = (page: { items: string[] }): string[] => page.items.map((j) => (JSON.parse(j) as { id: string }).id);

describe('ReferralIndex', () => {
  const index = (): ReferralIndex => {
    const ix = new ReferralIndex(() => Date.UTC(2026, 0, 1));
    ix.seed([doc('c', 2), doc('a', 0), doc('b', 1, 'Closed'), doc('d', 3), doc('e', 3, 'Closed')]);
    return ix;
  };

  it('pages ascending with a keyset cursor, ties broken by id', () => {
    const ix = index();
    const p1 = ix.page({ desc: false, top: 2 });
    expect(ids(p1)).toEqual(['a', 'b']);
    expect(p1.more).toBe(true);
    const p2 = ix.page({ desc: false, top: 2, after: p1.last });
    expect(ids(p2)).toEqual(['c', 'd']);
    const p3 = ix.page({ desc: false, top: 2, after: p2.last });
    expect(ids(p3)).toEqual(['e']);
    expect(p3.more).toBe(false);
  });

  it('pages descending and honours ge/gt and status', () => {
    const ix = index();
    const since = Date.parse(at(1));
    expect(ids(ix.page({ desc: false, top: 10, since: { t: since, inclusive: true } }))).toEqual(['b', 'c', 'd', 'e']);
    expect(ids(ix.page({ desc: false, top: 10, since: { t: since, inclusive: false } }))).toEqual(['c', 'd', 'e']);
    const d1 = ix.page({ desc: true, top: 2, since: { t: since, inclusive: true } });
    expect(ids(d1)).toEqual(['e', 'd']);
    expect(ids(ix.page({ desc: true, top: 5, since: { t: since, inclusive: true }, after: d1.last }))).toEqual([
      'c',
      'b',
    ]);
    expect(ids(ix.page({ desc: false, top: 10, status: 'Closed' }))).toEqual(['b', 'e']);
  });

  it('a write gets a new eTag and a later updatedDateTime, and moves to the end', () => {
    const ix = index();
    const first = ix.write('a', { ...ix.get('a'), notes: 'x' });
    const second = ix.write('b', { ...ix.get('b') });
    expect(first.eTag).not.toBe('"e-a"');
    expect(Date.parse(second.updatedDateTime as string)).toBeGreaterThan(Date.parse(first.updatedDateTime as string));
    expect(ids(ix.page({ desc: false, top: 10 }))).toEqual(['c', 'd', 'e', 'a', 'b']);
    expect(ix.size).toBe(5);
  });

  it('keeps a seeded item without id under an internal key, emitted without id', () => {
    const ix = new ReferralIndex(Date.now);
    ix.seed([{ status: 'New', updatedDateTime: at(0) }]);
    const [json] = ix.page({ desc: false, top: 1 }).items;
    expect(JSON.parse(json ?? '{}')).not.toHaveProperty('id');
  });

  it('serves a page from 100k referrals without scanning them', () => {
    const ix = new ReferralIndex(Date.now);
    ix.seed(Array.from({ length: 100_000 }, (_, i) => doc(`r${i}`, i)));
    const started = performance.now();
    let cursor = ix.page({ desc: false, top: 100, since: { t: Date.parse(at(99_000)), inclusive: true } });
    for (let i = 0; i < 9; i++) cursor = ix.page({ desc: false, top: 100, after: cursor.last });
    expect(ids(cursor)).toHaveLength(100);
    expect(ids(cursor)[0]).toBe('r99900');
    expect(performance.now() - started).toBeLessThan(100); // ten pages; a scan + sort per page would take seconds
  });
});

describe('applyPatch', () => {
  const base = { id: 'r', status: 'New', details: { dealValue: 1 }, team: [{ email: 'a@x.example' }] };

  it.each([
    ['replace nested', [{ op: 'replace', path: '/details/dealValue', value: 10 }], { details: { dealValue: 10 } }],
    [
      'append to team',
      [{ op: 'add', path: '/team/-', value: { email: 'b@x.example' } }],
      { team: [{ email: 'a@x.example' }, { email: 'b@x.example' }] },
    ],
    [
      'insert at index',
      [{ op: 'add', path: '/team/0', value: { email: 'z@x.example' } }],
      { team: [{ email: 'z@x.example' }, { email: 'a@x.example' }] },
    ],
    [
      'create missing parents',
      [{ op: 'add', path: '/consent/consentToContact', value: true }],
      { consent: { consentToContact: true } },
    ],
    ['escaped pointer', [{ op: 'add', path: '/details/a~1b', value: 1 }], { details: { dealValue: 1, 'a/b': 1 } }],
  ])('%s', (_name, ops, expected) => {
    const result = applyPatch(base, ops);
    expect(result).toMatchObject({ ok: true, doc: expected });
    expect(base.team).toHaveLength(1); // input untouched
  });

  it.each([
    ['remove', [{ op: 'remove', path: '/status' }]],
    ['read-only id', [{ op: 'replace', path: '/id', value: 'x' }]],
    ['not an array', { op: 'replace', path: '/status', value: 'x' }],
    ['index out of range', [{ op: 'replace', path: '/team/5', value: {} }]],
  ])('rejects %s', (_name, ops) => {
    expect(applyPatch(base, ops).ok).toBe(false);
  });
});

describe('parseListQuery', () => {
  it.each([
    [
      "updatedDateTime ge 2025-01-01T00:00:00Z and (status eq 'New')",
      { since: { t: Date.UTC(2025, 0, 1), inclusive: true }, status: 'New' },
    ],
    ["updatedDateTime gt '2025-01-01T00:00:00Z'", { since: { t: Date.UTC(2025, 0, 1), inclusive: false } }],
  ])('parses %s', (filter, expected) => {
    expect(parseListQuery(new URLSearchParams({ $filter: filter, $top: '500' }), 100)).toMatchObject({
      ok: true,
      query: { ...expected, top: 100 },
    });
  });

  it.each([["direction eq 'Outgoing'"], ['updatedDateTime ge yesterday']])('rejects %s', (filter) => {
    expect(parseListQuery(new URLSearchParams({ $filter: filter }), 100).ok).toBe(false);
  });

  it("reads engagementId eq '…' as a related-referrals query (issue 16)", () => {
    expect(parseListQuery(new URLSearchParams({ $filter: "engagementId eq 'E-1'" }), 100)).toMatchObject({
      ok: true,
      engagementId: 'E-1',
    });
  });
});
