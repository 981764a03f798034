import { describe, expect, it } from 'vitest';
import {
  bindPathByKey,
  byKey,
  chunkOr,
  filterLiteral,
  isGuid,
  keyValueProblem,
  query,
  stringLiteral,
} from './odata.ts';

describe('keyValueProblem', () => {
  it.each([
    ['0f8fad5b-d9cb-469f-a165-70867728950e', null],
    ['REF-123_x.y', null],
    ["O'Brien deal", null],
    ['', 'is empty'],
    ['  ', 'is empty'],
    ['a/b', 'contains "/"'],
    ['a:b', 'contains ":"'],
    ['a&b', 'contains "&"'],
    ['50%', 'contains "%"'],
    ['a+b', 'contains "+"'],
    ['a?b', 'contains "?"'],
    ['a#b', 'contains "#"'],
    ['a\\b', 'contains "\\\\"'],
    ['a<b>', 'contains "<"'],
    ['a*', 'contains "*"'],
    ['line\nbreak', 'contains "\\n"'],
    ['x'.repeat(256), 'is longer than 255 characters'],
  ])('%j', (value, expected) => {
    const problem = keyValueProblem(value);
    if (expected === null) expect(problem).toBeNull();
    else expect(problem).toContain(expected);
  });
});

describe('literals and URLs', () => {
  it('doubles quotes in string literals', () => expect(stringLiteral("O'Brien")).toBe("'O''Brien'"));
  it.each([
    ['Contoso', "'Contoso'"],
    [null, 'null'],
    [42, '42'],
    [true, 'true'],
  ] as const)('filterLiteral(%j)', (v, expected) => expect(filterLiteral(v)).toBe(expected));
  it('encodes the key value for the path', () => {
    expect(byKey('opportunities', 'new_referralid', "O'Brien deal")).toBe(
      "opportunities(new_referralid='O''Brien%20deal')",
    );
  });
  it('writes a bind by alternate key as a quoted literal, not percent-encoded (it goes in the body)', () => {
    expect(bindPathByKey('accounts', 'new_referralsynckey', "rs1-ab'c")).toBe(
      "/accounts(new_referralsynckey='rs1-ab''c')",
    );
  });
  it('encodes query option values, leaving out empty ones', () => {
    expect(query({ $select: 'a,b', $filter: "name eq 'A B' and x ne null", $expand: undefined })).toBe(
      "?$select=a%2Cb&$filter=name%20eq%20'A%20B'%20and%20x%20ne%20null",
    );
    expect(query({})).toBe('');
  });
  it('recognises GUIDs', () => {
    expect(isGuid('0F8FAD5B-D9CB-469F-A165-70867728950E')).toBe(true);
    expect(isGuid('0f8fad5b')).toBe(false);
  });
});

describe('chunkOr', () => {
  it('keeps each group under the limit and every condition once', () => {
    const conditions = Array.from({ length: 50 }, (_, i) => `k eq 'REF-${i}'`);
    const groups = chunkOr(conditions, 200);
    expect(groups.length).toBeGreaterThan(1);
    for (const g of groups) expect(encodeURIComponent(g).length).toBeLessThanOrEqual(200);
    expect(groups.join(' or ').split(' or ')).toEqual(conditions);
  });
  it('puts a condition longer than the limit in a group of its own', () => {
    expect(chunkOr(['x'.repeat(50), 'y'], 10)).toEqual(['x'.repeat(50), 'y']);
  });
});
