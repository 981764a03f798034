import { describe, expect, it } from 'vitest';
import { parseTemplate, renderTemplate } from './template.ts';

describe('parseTemplate', () => {
  it.each([
    ['plain text', [{ text: 'plain text' }]],
    ['{name} referral', [{ path: 'name' }, { text: ' referral' }]],
    ['{ a }-{b}', [{ path: 'a' }, { text: '-' }, { path: 'b' }]],
    ['{{literal}} {x}', [{ text: '{literal} ' }, { path: 'x' }]],
  ])('parses %j', (template, parts) => {
    expect(parseTemplate(template)).toEqual({ ok: true, parts });
  });

  it.each([
    ['{name referral', 'unmatched "{" at position 1 (write "{{" for a literal brace)'],
    ['a {} b', 'unmatched "{" at position 3 (write "{{" for a literal brace)'],
    ['a {b {c}', 'unmatched "{" at position 3 (write "{{" for a literal brace)'],
    ['a } b', 'unmatched "}" at position 3 (write "}}" for a literal brace)'],
  ])('rejects %j', (template, error) => {
    expect(parseTemplate(template)).toEqual({ ok: false, error });
  });
});

describe('renderTemplate', () => {
  const values: Record<string, string> = { a: 'A', empty: '' };
  const render = (t: string) => {
    const parsed = parseTemplate(t);
    if (!parsed.ok) throw new Error(parsed.error);
    return renderTemplate(parsed.parts, (path) => values[path] ?? '');
  };
  it.each([
    ['{a} and {empty}', { text: 'A and ', empty: false }],
    ['{empty} referral', { text: ' referral', empty: true }],
    ['no placeholders', { text: 'no placeholders', empty: false }],
  ])('%j -> %j', (template, expected) => {
    expect(render(template)).toEqual(expected);
  });
});
