import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { LineCounter, isMap, isNode, isScalar, parseDocument, visit, type Document, type YAMLError } from 'yaml';
import { formatIssuePath, validateMapping, type Mapping } from '../src/mapping/schema.ts';

/*
 * Reads the admin's mapping file (MAPPING_FILE) once at boot. YAML and JSON both go through the
 * `yaml` parser (JSON is YAML 1.2), so JSON mistakes get line numbers too. Duplicate keys are
 * errors. Every problem is listed in one Error so an admin fixes the file in one pass.
 */

const EXTENSIONS = ['.yaml', '.yml', '.json'];

export type MappingText = { ok: true; mapping: Mapping } | { ok: false; errors: string[] };

/** Loads and validates a mapping file; throws an Error naming the file and listing every problem. */
export async function loadMappingFile(path: string): Promise<Mapping> {
  const extension = extname(path).toLowerCase();
  if (!EXTENSIONS.includes(extension)) {
    throw new Error(`mapping file ${path}: unsupported extension "${extension}" (use ${EXTENSIONS.join(', ')})`);
  }
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new Error(`mapping file ${path}: cannot be read (${code})`, { cause: err });
  }
  const result = parseMappingText(text);
  if (result.ok) return result.mapping;
  const count = result.errors.length === 1 ? '1 problem' : `${result.errors.length} problems`;
  throw new Error(`mapping file ${path} has ${count}:\n${result.errors.map((e) => `  - ${e}`).join('\n')}`);
}

/**
 * One problem in mapping text, where an editor can show it: 1-based line, and the character
 * range [from, to) of the offending node (the whole document when no node is known).
 */
export interface MappingProblem {
  line: number | null;
  from: number;
  to: number;
  /** Key path (`salesforce.fields.Amount.from`); empty for syntax errors. */
  path: string;
  message: string;
}

export type MappingTextCheck = { ok: true; mapping: Mapping } | { ok: false; problems: MappingProblem[] };

/** Parses and validates file content; each error starts with its line when one is known. */
export function parseMappingText(text: string): MappingText {
  const result = checkMappingText(text);
  if (result.ok) return result;
  return {
    ok: false,
    errors: result.problems.map(
      (p) => `${p.line === null ? '' : `line ${p.line}: `}${p.path === '' ? '' : `${p.path}: `}${p.message}`,
    ),
  };
}

/** What `parseMappingText` checks, with each problem's position for the studio's editor. */
export function checkMappingText(text: string): MappingTextCheck {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) return { ok: false, problems: syntaxErrors(doc.errors, lines, text) };
  if (doc.contents === null) return { ok: false, problems: [whole(text, 'the file is empty')] };
  let data: unknown;
  try {
    data = doc.toJS();
  } catch (err) {
    // `yaml` refuses aliases that expand exponentially (a "billion laughs" file) with a
    // ReferenceError; it used to escape as an uncaught error without file or line (issue 14).
    const where = firstAliasOffset(doc);
    const message = err instanceof Error ? err.message : String(err);
    return {
      ok: false,
      problems: [where === undefined ? whole(text, message) : at(lines, [where, where + 1], '', message)],
    };
  }
  const result = validateMapping(data);
  if (result.ok) return result;
  return {
    ok: false,
    problems: result.issues.map((issue) => {
      const range = rangeOf(doc, issue.path);
      const path = formatIssuePath(issue.path);
      return range === undefined ? { ...whole(text, issue.message), path } : at(lines, range, path, issue.message);
    }),
  };
}

const whole = (text: string, message: string): MappingProblem => ({
  line: null,
  from: 0,
  to: text.length,
  path: '',
  message,
});

const at = (lines: LineCounter, range: [number, number], path: string, message: string): MappingProblem => ({
  line: lines.linePos(range[0]).line,
  from: range[0],
  to: Math.max(range[1], range[0] + 1),
  path,
  message,
});

function firstAliasOffset(doc: Document): number | undefined {
  let offset: number | undefined;
  visit(doc, {
    Alias(_key, node) {
      offset = node.range?.[0];
      return visit.BREAK;
    },
  });
  return offset;
}

/**
 * The first syntax error, and every duplicate key (those stand alone). After the first error the
 * parser is lost: one line indented wrongly produced 8–14 errors down the file (#15), each as
 * cryptic as the first. An indentation error names the line before too, since the parser often
 * stumbles one line after the mistake.
 */
function syntaxErrors(errors: readonly YAMLError[], lines: LineCounter, text: string): MappingProblem[] {
  const duplicates = errors.filter((e) => e.code === 'DUPLICATE_KEY');
  const first = errors.find((e) => e.code !== 'DUPLICATE_KEY');
  const out: MappingProblem[] = [];
  if (first) {
    const line = lines.linePos(first.pos[0]).line;
    const indentation = /indent|same column/i.test(first.message);
    const before = indentation ? previousContentLine(text, line) : undefined;
    const hint = indentation ? `; check the indentation of line ${line}${before ? ` and line ${before}` : ''}` : '';
    const more = errors.length - duplicates.length - 1;
    const message = `${first.message}${hint}${more > 0 ? ` (and ${more} later error${more > 1 ? 's' : ''} it caused)` : ''}`;
    out.push(at(lines, first.pos, '', message));
  }
  return [...out, ...duplicates.map((e) => at(lines, e.pos, '', e.message))];
}

/** The nearest line above `line` (1-based) holding more than blanks or a comment. */
function previousContentLine(text: string, line: number): number | undefined {
  const all = text.split('\n');
  for (let i = line - 2; i >= 0; i -= 1) {
    const t = (all[i] ?? '').trim();
    if (t !== '' && !t.startsWith('#')) return i + 1;
  }
  return undefined;
}

/** Range of the node at `path` (a map key's own range for unknown keys), or of its nearest ancestor. */
function rangeOf(doc: Document, path: (string | number)[]): [number, number] | undefined {
  for (let depth = path.length; depth >= 0; depth -= 1) {
    const node = depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth), true);
    if (isNode(node) && node.range) return [node.range[0], node.range[1]];
    if (depth > 0) {
      // An unknown key's value may be a scalar without its own node here: point at the key itself.
      const parent = depth === 1 ? doc.contents : doc.getIn(path.slice(0, depth - 1), true);
      if (isMap(parent)) {
        const pair = parent.items.find((p) => isScalar(p.key) && p.key.value === path[depth - 1]);
        if (pair && isNode(pair.key) && pair.key.range) return [pair.key.range[0], pair.key.range[1]];
      }
    }
  }
  return undefined;
}
