import type { Row } from './store.ts';

/*
 * The `$filter` subset the connector emits: comparisons (eq ne gt ge lt le) of a column with a
 * literal ('text' with '' escapes, null, true/false, numbers, bare date-times and GUIDs),
 * combined with and / or / not and parentheses. Text compares case-insensitively and date-times
 * as instants, as Dataverse does. Anything else throws, which the fake answers with 400.
 */

type Literal = string | number | boolean | null | { instant: number };
type Token = ({ t: 'op' | 'word' | '(' | ')' } & { v: string }) | { t: 'lit'; v: Literal };
export type Predicate = (row: Row) => boolean;

const COMPARE = new Set(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (/\s/.test(c)) i++;
    else if (c === '(' || c === ')') {
      out.push({ t: c, v: c });
      i++;
    } else if (c === "'") {
      let s = '';
      for (i++; ; i++) {
        if (i >= text.length) throw new Error('unterminated string literal');
        if (text[i] === "'" && text[i + 1] === "'") {
          s += "'";
          i++;
        } else if (text[i] === "'") break;
        else s += text[i];
      }
      i++;
      out.push({ t: 'lit', v: s });
    } else {
      const m = /^[^\s()']+/.exec(text.slice(i));
      const word = m?.[0] ?? c;
      i += word.length;
      if (word === 'null') out.push({ t: 'lit', v: null });
      else if (word === 'true' || word === 'false') out.push({ t: 'lit', v: word === 'true' });
      else if (/^-?\d+(\.\d+)?$/.test(word)) out.push({ t: 'lit', v: Number(word) });
      else if (DATE_TIME.test(word)) out.push({ t: 'lit', v: { instant: Date.parse(word) } });
      else if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(word))
        out.push({ t: 'lit', v: word.toLowerCase() });
      else if (COMPARE.has(word) || word === 'and' || word === 'or' || word === 'not') out.push({ t: 'op', v: word });
      else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(word)) out.push({ t: 'word', v: word });
      else throw new Error(`unsupported token '${word}'`);
    }
  }
  return out;
}

/** -1/0/1, or undefined when the two cannot be ordered. Text ignores case; date-times compare as instants. */
export function compareValues(a: unknown, b: Literal | unknown): number | undefined {
  const instant = (v: unknown): number | undefined =>
    typeof v === 'object' && v !== null && 'instant' in v
      ? (v as { instant: number }).instant
      : typeof v === 'string' && DATE_TIME.test(v)
        ? Date.parse(v)
        : undefined;
  const ia = instant(a);
  const ib = instant(b);
  if (ia !== undefined && ib !== undefined) return Math.sign(ia - ib);
  if (typeof a === 'number' && typeof b === 'number') return Math.sign(a - b);
  if (typeof a === 'string' && typeof b === 'string') {
    const x = a.toLowerCase();
    const y = b.toLowerCase();
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (typeof a === 'boolean' && typeof b === 'boolean') return a === b ? 0 : a ? 1 : -1;
  return undefined;
}

function comparison(column: string, op: string, lit: Literal): Predicate {
  return (row) => {
    const v = row[column] ?? null;
    if (lit === null || v === null) {
      const bothNull = v === null && lit === null;
      return op === 'eq' ? bothNull : op === 'ne' ? !bothNull : false;
    }
    const c = compareValues(v, lit);
    if (c === undefined) return op === 'ne';
    return { eq: c === 0, ne: c !== 0, gt: c > 0, ge: c >= 0, lt: c < 0, le: c <= 0 }[op as 'eq'] ?? false;
  };
}

export function parseFilter(text: string): Predicate {
  const tokens = tokenize(text);
  let pos = 0;
  const peek = (): Token | undefined => tokens[pos];
  const isOp = (v: string): boolean => {
    const t = peek();
    return t !== undefined && t.t === 'op' && t.v === v;
  };

  function or(): Predicate {
    const parts = [and()];
    while (isOp('or')) {
      pos++;
      parts.push(and());
    }
    return parts.length === 1 ? (parts[0] as Predicate) : (row) => parts.some((p) => p(row));
  }
  function and(): Predicate {
    const parts = [unary()];
    while (isOp('and')) {
      pos++;
      parts.push(unary());
    }
    return parts.length === 1 ? (parts[0] as Predicate) : (row) => parts.every((p) => p(row));
  }
  function unary(): Predicate {
    if (isOp('not')) {
      pos++;
      const inner = unary();
      return (row) => !inner(row);
    }
    const t = tokens[pos++];
    if (t?.t === '(') {
      const inner = or();
      if (tokens[pos++]?.t !== ')') throw new Error('missing )');
      return inner;
    }
    const op = tokens[pos++];
    const lit = tokens[pos++];
    if (t?.t !== 'word' || op?.t !== 'op' || !COMPARE.has(op.v) || lit?.t !== 'lit')
      throw new Error(`expected <column> <op> <literal> at token ${pos - 3}`);
    return comparison(t.v, op.v, lit.v);
  }

  const predicate = or();
  if (pos !== tokens.length) throw new Error(`unexpected token at ${pos}`);
  return predicate;
}
