/*
 * The SOQL subset the fake understands:
 *   SELECT a, b | COUNT() FROM X [WHERE cond] [ORDER BY f [ASC|DESC] [NULLS FIRST|LAST], ...]
 *   [LIMIT n] [OFFSET n]
 * cond: field op literal | field [NOT] IN (literals) | NOT cond | cond AND/OR cond | ( cond )
 * Literals: 'strings' with backslash escapes, numbers, TRUE/FALSE/NULL, dates and datetimes.
 */

export type Literal =
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'null' }
  | { kind: 'date'; value: string }
  | { kind: 'datetime'; ms: number };

export type CompareOp = '=' | '!=' | '<' | '<=' | '>' | '>=';

export type Condition =
  | { type: 'and' | 'or'; left: Condition; right: Condition }
  | { type: 'not'; inner: Condition }
  | { type: 'cmp'; field: string; op: CompareOp; value: Literal }
  | { type: 'in'; field: string; values: Literal[]; negate: boolean };

export interface OrderBy {
  field: string;
  desc: boolean;
  nullsLast: boolean;
}

export interface SoqlQuery {
  fields: string[];
  count: boolean;
  from: string;
  where: Condition | undefined;
  orderBy: OrderBy[];
  limit: number | undefined;
  offset: number | undefined;
}

type Token = { t: 'word'; v: string } | { t: 'lit'; v: Literal } | { t: 'sym'; v: string };

export class SoqlError extends Error {}

const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f', '"': '"', "'": "'", '\\': '\\' };
const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:?\d{2})/;
const DATE = /^\d{4}-\d{2}-\d{2}/;
const NUMBER = /^-?\d+(\.\d+)?/;
const WORD = /^[A-Za-z_][A-Za-z0-9_.]*/;
const SYMBOL = /^(!=|<>|<=|>=|[=<>(),])/;

export function tokenize(soql: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < soql.length) {
    const rest = soql.slice(i);
    const ws = /^\s+/.exec(rest);
    if (ws) {
      i += ws[0].length;
      continue;
    }
    if (rest[0] === "'") {
      let value = '';
      let j = 1;
      for (; j < rest.length && rest[j] !== "'"; j++) {
        if (rest[j] === '\\') {
          const next = rest[j + 1] ?? '';
          const mapped = ESCAPES[next];
          if (mapped === undefined) throw new SoqlError(`invalid escape sequence \\${next}`);
          value += mapped;
          j++;
        } else value += rest[j];
      }
      if (j >= rest.length) throw new SoqlError('unterminated string literal');
      out.push({ t: 'lit', v: { kind: 'string', value } });
      i += j + 1;
      continue;
    }
    const dt = DATETIME.exec(rest);
    if (dt) {
      out.push({ t: 'lit', v: { kind: 'datetime', ms: Date.parse(dt[0]) } });
      i += dt[0].length;
      continue;
    }
    const d = DATE.exec(rest);
    if (d) {
      out.push({ t: 'lit', v: { kind: 'date', value: d[0] } });
      i += d[0].length;
      continue;
    }
    const n = NUMBER.exec(rest);
    if (n) {
      out.push({ t: 'lit', v: { kind: 'number', value: Number(n[0]) } });
      i += n[0].length;
      continue;
    }
    const w = WORD.exec(rest);
    if (w) {
      const upper = w[0].toUpperCase();
      if (upper === 'TRUE' || upper === 'FALSE')
        out.push({ t: 'lit', v: { kind: 'boolean', value: upper === 'TRUE' } });
      else if (upper === 'NULL') out.push({ t: 'lit', v: { kind: 'null' } });
      else out.push({ t: 'word', v: w[0] });
      i += w[0].length;
      continue;
    }
    const s = SYMBOL.exec(rest);
    if (s) {
      out.push({ t: 'sym', v: s[0] === '<>' ? '!=' : s[0] });
      i += s[0].length;
      continue;
    }
    throw new SoqlError(`unexpected character '${rest[0] ?? ''}'`);
  }
  return out;
}

/** Recursive-descent parser over the token list. Throws SoqlError (MALFORMED_QUERY). */
export function parseSoql(soql: string): SoqlQuery {
  const toks = tokenize(soql);
  let pos = 0;
  const peek = (): Token | undefined => toks[pos];
  const isWord = (w: string, tok = peek()): boolean => tok?.t === 'word' && tok.v.toUpperCase() === w;
  const isSym = (s: string): boolean => {
    const tok = peek();
    return tok?.t === 'sym' && tok.v === s;
  };
  const expectWord = (w: string): void => {
    if (!isWord(w)) throw new SoqlError(`expected ${w}`);
    pos++;
  };
  const expectSym = (s: string): void => {
    if (!isSym(s)) throw new SoqlError(`expected '${s}'`);
    pos++;
  };
  const ident = (): string => {
    const tok = peek();
    if (tok?.t !== 'word') throw new SoqlError('expected a field name');
    pos++;
    return tok.v;
  };
  const literal = (): Literal => {
    const tok = peek();
    if (tok?.t !== 'lit') throw new SoqlError('expected a value');
    pos++;
    return tok.v;
  };
  const int = (): number => {
    const l = literal();
    if (l.kind !== 'number' || !Number.isInteger(l.value)) throw new SoqlError('expected an integer');
    return l.value;
  };

  const primary = (): Condition => {
    if (isSym('(')) {
      pos++;
      const c = orExpr();
      expectSym(')');
      return c;
    }
    if (isWord('NOT')) {
      pos++;
      return { type: 'not', inner: primary() };
    }
    const field = ident();
    const negate = isWord('NOT');
    if (negate) pos++;
    if (isWord('IN')) {
      pos++;
      expectSym('(');
      const values = [literal()];
      while (isSym(',')) {
        pos++;
        values.push(literal());
      }
      expectSym(')');
      return { type: 'in', field, values, negate };
    }
    if (negate) throw new SoqlError('expected IN after NOT');
    const op = peek();
    if (op?.t !== 'sym' || !['=', '!=', '<', '<=', '>', '>='].includes(op.v))
      throw new SoqlError('expected an operator');
    pos++;
    return { type: 'cmp', field, op: op.v as CompareOp, value: literal() };
  };
  const andExpr = (): Condition => {
    let left = primary();
    while (isWord('AND')) {
      pos++;
      left = { type: 'and', left, right: primary() };
    }
    return left;
  };
  const orExpr = (): Condition => {
    let left = andExpr();
    while (isWord('OR')) {
      pos++;
      left = { type: 'or', left, right: andExpr() };
    }
    return left;
  };

  expectWord('SELECT');
  const fields: string[] = [];
  let count = false;
  if (isWord('COUNT') && toks[pos + 1]?.t === 'sym') {
    pos++;
    expectSym('(');
    expectSym(')');
    count = true;
  } else {
    fields.push(ident());
    while (isSym(',')) {
      pos++;
      fields.push(ident());
    }
  }
  expectWord('FROM');
  const from = ident();
  const where = isWord('WHERE') ? (pos++, orExpr()) : undefined;
  const orderBy: OrderBy[] = [];
  if (isWord('ORDER')) {
    pos++;
    expectWord('BY');
    do {
      if (isSym(',')) pos++;
      const field = ident();
      let desc = false;
      if (isWord('ASC')) pos++;
      else if (isWord('DESC')) {
        pos++;
        desc = true;
      }
      let nullsLast = desc; // Salesforce default: NULLS FIRST ascending, NULLS LAST descending
      if (isWord('NULLS')) {
        pos++;
        nullsLast = isWord('LAST');
        pos++;
      }
      orderBy.push({ field, desc, nullsLast });
    } while (isSym(','));
  }
  const limit = isWord('LIMIT') ? (pos++, int()) : undefined;
  const offset = isWord('OFFSET') ? (pos++, int()) : undefined;
  if (pos < toks.length) throw new SoqlError('unexpected token after the end of the query');
  return { fields, count, from, where, orderBy, limit, offset };
}
