import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { LineCounter, isNode, parseDocument, visit, type Document, type YAMLError } from 'yaml';
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

/** Parses and validates file content; each error starts with its line when one is known. */
export function parseMappingText(text: string): MappingText {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) return { ok: false, errors: syntaxErrors(doc.errors, lines, text) };
  if (doc.contents === null) return { ok: false, errors: ['the file is empty'] };
  let data: unknown;
  try {
    data = doc.toJS();
  } catch (err) {
    // `yaml` refuses aliases that expand exponentially (a "billion laughs" file) with a
    // ReferenceError; it used to escape as an uncaught error without file or line (issue 14).
    const where = firstAliasOffset(doc);
    const message = err instanceof Error ? err.message : String(err);
    return { ok: false, errors: [`${where === undefined ? '' : `${lineOf(lines, where)}: `}${message}`] };
  }
  const result = validateMapping(data);
  if (result.ok) return result;
  return {
    ok: false,
    errors: result.issues.map((issue) => {
      const offset = offsetOf(doc, issue.path);
      const where = offset === undefined ? '' : `${lineOf(lines, offset)}: `;
      return `${where}${formatIssuePath(issue.path)}: ${issue.message}`;
    }),
  };
}

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

const lineOf = (lines: LineCounter, offset: number): string => `line ${lines.linePos(offset).line}`;

/**
 * The first syntax error, and every duplicate key (those stand alone). After the first error the
 * parser is lost: one line indented wrongly produced 8–14 errors down the file (#15), each as
 * cryptic as the first. An indentation error names the line before too, since the parser often
 * stumbles one line after the mistake.
 */
function syntaxErrors(errors: readonly YAMLError[], lines: LineCounter, text: string): string[] {
  const duplicates = errors.filter((e) => e.code === 'DUPLICATE_KEY');
  const first = errors.find((e) => e.code !== 'DUPLICATE_KEY');
  const out: string[] = [];
  if (first) {
    const line = lines.linePos(first.pos[0]).line;
    const indentation = /indent|same column/i.test(first.message);
    const before = indentation ? previousContentLine(text, line) : undefined;
    const hint = indentation ? `; check the indentation of line ${line}${before ? ` and line ${before}` : ''}` : '';
    const more = errors.length - duplicates.length - 1;
    out.push(
      `line ${line}: ${first.message}${hint}${more > 0 ? ` (and ${more} later error${more > 1 ? 's' : ''} it caused)` : ''}`,
    );
  }
  return [...out, ...duplicates.map((e) => `${lineOf(lines, e.pos[0])}: ${e.message}`)];
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

/** Start offset of the node at `path`, or of its nearest ancestor present in the file. */
function offsetOf(doc: Document, path: (string | number)[]): number | undefined {
  for (let depth = path.length; depth >= 0; depth -= 1) {
    const node = depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth), true);
    if (isNode(node) && node.range) return node.range[0];
  }
  return undefined;
}
