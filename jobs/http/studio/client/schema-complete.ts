import type { Completion, CompletionContext, CompletionResult } from '@codemirror/autocomplete';

/*
 * Completion from the mapping's JSON Schema (the one `referral-sync mapping schema` prints): keys
 * allowed where the cursor is, with their descriptions, and values (enums, examples such as the
 * referral paths, true/false). The key path comes from the indentation above the cursor and from
 * an open `{ ... }` on the cursor's line: enough for the mapping's shape, without a YAML parse of a
 * half-typed document.
 */

export type Schema = {
  $ref?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  patternProperties?: Record<string, Schema>;
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  enum?: unknown[];
  const?: unknown;
  examples?: unknown[];
  type?: string | string[];
  description?: string;
  definitions?: Record<string, Schema>;
  $defs?: Record<string, Schema>;
  default?: unknown;
};

function resolve(root: Schema, s: Schema | undefined, depth = 0): Schema[] {
  if (!s || depth > 10) return [];
  if (s.$ref) {
    const name = s.$ref.replace(/^#\/(definitions|\$defs)\//, '');
    return resolve(root, root.definitions?.[name] ?? root.$defs?.[name], depth + 1);
  }
  const parts = [...(s.anyOf ?? []), ...(s.oneOf ?? []), ...(s.allOf ?? [])].flatMap((x) =>
    resolve(root, x, depth + 1),
  );
  return [s, ...parts];
}

function child(root: Schema, nodes: Schema[], key: string): Schema[] {
  return nodes.flatMap((n) => {
    if (key === '*') return resolve(root, n.items);
    const direct = n.properties?.[key];
    if (direct) return resolve(root, direct);
    const pattern = Object.values(n.patternProperties ?? {})[0];
    if (pattern) return resolve(root, pattern);
    return typeof n.additionalProperties === 'object' ? resolve(root, n.additionalProperties) : [];
  });
}

export function schemaAt(root: Schema, path: readonly string[]): Schema[] {
  let nodes = resolve(root, root);
  for (const key of path) nodes = child(root, nodes, key);
  return nodes;
}

const KEY_LINE = /^(\s*)(- +)?([^\s#:{}[\],][^#:{}]*?):(\s|$)/;

/** Parent keys of a line by indentation ('*' for a list item), outermost first. */
export function parentPath(lines: readonly string[], lineIndex: number, indent: number): string[] {
  const out: string[] = [];
  let limit = indent;
  for (let i = lineIndex - 1; i >= 0 && limit > 0; i -= 1) {
    const line = lines[i] ?? '';
    if (line.trim() === '' || line.trim().startsWith('#')) continue;
    const m = KEY_LINE.exec(line);
    const own = line.length - line.trimStart().length;
    if (own >= limit) continue;
    if (m) {
      const keyIndent = own + (m[2]?.length ?? 0);
      if (keyIndent < limit) out.unshift(m[3] ?? '');
      if (m[2]) out.unshift('*');
    } else if (line.trimStart().startsWith('-')) out.unshift('*');
    limit = own;
  }
  return out;
}

const describe = (s: Schema[]): string | undefined => s.find((x) => x.description)?.description;

function keyOptions(root: Schema, nodes: Schema[]): Completion[] {
  const seen = new Set<string>();
  return nodes.flatMap((n) =>
    Object.entries(n.properties ?? {}).flatMap(([key, sub]) => {
      if (seen.has(key) || key === '$schema') return [];
      seen.add(key);
      const info = describe(resolve(root, sub));
      return [{ label: key, type: 'property', apply: `${key}: `, ...(info ? { info } : {}) }];
    }),
  );
}

function valueOptions(nodes: Schema[]): Completion[] {
  const values = new Set<string>();
  for (const n of nodes) {
    for (const v of [...(n.enum ?? []), ...(n.const === undefined ? [] : [n.const]), ...(n.examples ?? [])])
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') values.add(String(v));
    if (n.type === 'boolean') ['true', 'false'].forEach((v) => values.add(v));
  }
  return [...values].map((label) => ({ label, type: 'constant' }));
}

/** The CodeMirror completion source for a document following `root`. */
export function schemaCompletion(root: Schema) {
  return (ctx: CompletionContext): CompletionResult | null => {
    const line = ctx.state.doc.lineAt(ctx.pos);
    const before = line.text.slice(0, ctx.pos - line.from);
    const lines = ctx.state.doc.toString().split('\n');
    const indent = before.length - before.trimStart().length;
    // Inside `Key: { a: b, ` on this line: the flow map belongs to Key.
    const flow = /^(\s*)(?:- +)?([^\s#:{}]+):\s*\{([^}]*)$/.exec(before);
    let path: string[];
    let tail: string;
    if (flow) {
      path = [...parentPath(lines, line.number - 1, indent + 1), flow[2] ?? ''];
      tail = (flow[3] ?? '').split(',').pop() ?? '';
    } else {
      path = parentPath(lines, line.number - 1, indent === 0 && before.trim() === '' ? 0 : indent);
      if (indent === 0) path = [];
      tail = before.trimStart().replace(/^- +/, '');
    }
    const value = /^\s*([^\s:{}]+):\s*(\S*)$/.exec(tail);
    if (value) {
      const options = valueOptions(schemaAt(root, [...path, value[1] ?? '']));
      if (options.length === 0) return null;
      return { from: ctx.pos - (value[2] ?? '').length, options, validFor: /^[\w./-]*$/ };
    }
    const word = /([\w$]*)$/.exec(tail)?.[1] ?? '';
    if (!ctx.explicit && word === '' && !flow) return null;
    const options = keyOptions(root, schemaAt(root, path));
    return options.length === 0 ? null : { from: ctx.pos - word.length, options, validFor: /^[\w$]*$/ };
  };
}
