import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/*
 * The project stands alone: the facts code relies on are in docs/*.md, cited by path (and heading).
 * A citation of a document outside the repository, a docs/ file that does not exist, or a heading
 * the cited file does not have fails here (issue 13).
 */
const root = join(import.meta.dirname, '..');
const self = relative(root, import.meta.filename);

function files(dir: string): string[] {
  return readdirSync(join(root, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(join(root, path)).isDirectory()) return files(path);
    return /\.(ts|js|json|ya?ml)$/.test(path) && path !== self ? [path] : [];
  });
}

const sources = ['src', 'connectors', 'jobs', 'test', 'bench', 'bin', 'config'].flatMap(files);
/** A comment's text with its line breaks and comment markers folded, so a wrapped heading reads whole. */
const text = (path: string) => readFileSync(join(root, path), 'utf8').replace(/\s*\n\s*(\*(?!\/)|\/\/)?\s*/g, ' ');
const headings = (doc: string) =>
  readFileSync(join(root, doc), 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('#'))
    .map((l) => l.replace(/^#+\s*/, ''));

describe('docs citations', () => {
  it('cites no document outside the repository ("reference §", "crm-apis §")', () => {
    const bad = sources.filter((f) => /reference §|crm-apis §|reference\.md|shared\/reference\//i.test(text(f)));
    expect(bad).toEqual([]);
  });

  it('cites only docs/ files that exist, and headings those files have', () => {
    const bad = sources.flatMap((f) =>
      [...text(f).matchAll(/\bdocs\/([\w.-]+\.md)(?:, "([^"]+)")?/g)].flatMap(([, name = '', heading]) => {
        const doc = `docs/${name}`;
        if (!existsSync(join(root, doc))) return [`${f}: ${doc} does not exist`];
        if (heading && !headings(doc).includes(heading)) return [`${f}: ${doc} has no heading "${heading}"`];
        return [];
      }),
    );
    expect(bad).toEqual([]);
  });
});
