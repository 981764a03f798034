import { describe, expect, it } from 'vitest';
import type { Format } from './field-rule.ts';
import { formatValue, truncate, type RuleValue } from './format.ts';

describe('formatValue', () => {
  it.each<[RuleValue, Format | undefined, string | number | boolean]>([
    ['text', undefined, 'text'],
    [12.5, undefined, 12.5],
    [true, undefined, true],
    [new Date('2025-06-30T10:00:00Z'), undefined, '2025-06-30T10:00:00.000Z'],
    ['2025-06-30T23:30:00Z', 'date', '2025-06-30'],
    ['2025-06-30T23:30:00-05:00', 'date', '2025-07-01'],
    ['2025-06-30', 'date', '2025-06-30'],
    [new Date('2025-06-30T10:00:00Z'), 'date', '2025-06-30'],
    ['2025-06-30T10:00:00+02:00', 'datetime', '2025-06-30T08:00:00.000Z'],
    ['2025-06-30', 'datetime', '2025-06-30T00:00:00.000Z'],
    [42, 'number', 42],
    ['1.5e3', 'number', 1500],
    ['-12.25', 'number', -12.25],
    [42, 'string', '42'],
    [false, 'string', 'false'],
    [true, 'boolean', true],
    ['Yes', 'boolean', true],
    ['0', 'boolean', false],
    [1, 'boolean', true],
    ['de', 'uppercase', 'DE'],
  ])('%j as %s -> %j', (value, format, expected) => {
    expect(formatValue(value, format)).toEqual({ ok: true, value: expected });
  });

  it.each<[RuleValue, Format, string]>([
    ['June 30 2025', 'date', 'is not an ISO 8601 date'],
    ['2025-02-30', 'date', 'is not an ISO 8601 date'],
    ['2025-13-01T00:00:00Z', 'datetime', 'is not an ISO 8601 date'],
    [20250630, 'date', 'is not an ISO 8601 date'],
    ['1,000', 'number', 'is not a number'],
    ['1e999', 'number', 'is not a number'],
    [true, 'number', 'is not a number'],
    ['maybe', 'boolean', 'is not true/false'],
    [2, 'boolean', 'is not true/false'],
  ])('%j as %s fails: %s', (value, format, problem) => {
    expect(formatValue(value, format)).toEqual({ ok: false, problem });
  });
});

describe('truncate', () => {
  it.each([
    ['short', 10, 'short'],
    ['exactly', 7, 'exactly'],
    ['truncated text', 9, 'truncated'],
    ['word and more', 5, 'word'],
    ['ab😀cd', 3, 'ab'],
    ['ab😀cd', 4, 'ab😀'],
    ['😀😀', 1, ''],
  ])('%j to %i -> %j', (text, max, expected) => {
    expect(truncate(text, max)).toBe(expected);
  });
});
