import { describe, expect, it } from 'vitest';
import { parseSoql } from '../../test/fakes/salesforce/fake-soql.ts';
import { accountKey, accountKeyFromRecord } from './account-key.ts';
import { chunkConditions, soqlDateTime, soqlLiteral, soqlString } from './soql.ts';

describe('soqlString', () => {
  it.each([
    ['Contoso', "'Contoso'"],
    ["O'Brien", "'O\\'Brien'"],
    ['back\\slash', "'back\\\\slash'"],
    ['say "hi"', '\'say \\"hi\\"\''],
    ['line\nbreak\ttab', "'line\\nbreak\\ttab'"],
    ["' OR Name != '", "'\\' OR Name != \\''"],
  ])('%j -> %s', (value, expected) => {
    expect(soqlString(value)).toBe(expected);
  });

  it('round-trips through a SOQL parser', () => {
    const nasty = "x\\' OR Id != null OR Name = '\\\n\"";
    const q = parseSoql(`SELECT Id FROM Account WHERE Name = ${soqlString(nasty)}`);
    expect(q.where).toEqual({ type: 'cmp', field: 'Name', op: '=', value: { kind: 'string', value: nasty } });
  });
});

describe('soqlLiteral', () => {
  it.each([
    [null, 'null'],
    [true, 'true'],
    [false, 'false'],
    [42, '42'],
    [-1.5, '-1.5'],
    ['a', "'a'"],
  ] as const)('%j -> %s', (value, expected) => {
    expect(soqlLiteral(value)).toBe(expected);
  });

  it('refuses NaN and Infinity', () => {
    expect(() => soqlLiteral(Number.NaN)).toThrow(RangeError);
    expect(() => soqlLiteral(Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });
});

describe('soqlDateTime', () => {
  it.each([
    ['2025-01-01T00:00:00.000Z', '2025-01-01T00:00:00Z'],
    ['2025-01-01T00:00:00.999Z', '2025-01-01T00:00:00Z'],
    ['2025-01-01T01:30:00+01:00', '2025-01-01T00:30:00Z'],
  ])('%s -> %s (UTC, floored to the second)', (at, expected) => {
    expect(soqlDateTime(new Date(at))).toBe(expected);
  });

  it('parses as a datetime literal, and refuses an invalid date', () => {
    const q = parseSoql(
      `SELECT Id FROM Opportunity WHERE SystemModstamp >= ${soqlDateTime(new Date('2025-01-01T00:00:00Z'))}`,
    );
    expect(q.where).toMatchObject({ value: { kind: 'datetime', ms: Date.parse('2025-01-01T00:00:00Z') } });
    expect(() => soqlDateTime(new Date('nope'))).toThrow(RangeError);
  });
});

describe('chunkConditions', () => {
  it('keeps every encoded query under the limit and loses no condition', () => {
    const conditions = Array.from(
      { length: 500 },
      (_, i) => `(Name = 'Customer ${i} GmbH & Co' AND BillingCountry = 'DE')`,
    );
    const head = 'SELECT Id FROM Account WHERE ';
    const tail = ' ORDER BY CreatedDate ASC';
    const groups = chunkConditions(head, conditions, tail, 4000);
    expect(groups.length).toBeGreaterThan(1);
    expect(groups.flat()).toEqual(conditions);
    for (const g of groups)
      expect(encodeURIComponent(`${head}${g.join(' OR ')}${tail}`).length).toBeLessThanOrEqual(4000);
  });

  it('puts an oversized condition in a group of its own', () => {
    const big = `Name = '${'x'.repeat(500)}'`;
    expect(chunkConditions('', ['a = 1', big, 'b = 2'], '', 100)).toEqual([['a = 1'], [big], ['b = 2']]);
  });
});

describe('accountKey', () => {
  it('is case-, order- and whitespace-insensitive', () => {
    expect(accountKey({ Name: '  Contoso ', BillingCountry: 'DE' })).toBe(
      accountKey({ BillingCountry: 'de', name: 'CONTOSO' }),
    );
  });

  it('keeps values apart that only a naive join would merge', () => {
    expect(accountKey({ A: 'x|b=y' })).not.toBe(accountKey({ A: 'x', B: 'y' }));
  });

  it('hashes long keys and stays under 255 characters', () => {
    const key = accountKey({ Name: 'n'.repeat(300) });
    expect(key).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('matches a record read back from Salesforce (API-name case, nulls)', () => {
    const key = accountKey({ name: 'Contoso', billingcountry: null });
    expect(accountKeyFromRecord(['name', 'billingcountry'], { Name: 'CONTOSO', BillingCountry: null })).toBe(key);
  });
});
