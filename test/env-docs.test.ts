import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Env } from '../src/config/env.ts';

const root = join(import.meta.dirname, '..');
const declared = Object.keys(Env.shape).sort();

describe('environment documentation', () => {
  it('.env.example lists exactly the variables the schema reads', () => {
    const text = readFileSync(join(root, '.env.example'), 'utf8');
    const listed = [...text.matchAll(/^([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]).sort();
    expect(listed).toEqual(declared);
  });

  it('README names every variable', () => {
    const text = readFileSync(join(root, 'README.md'), 'utf8');
    expect(declared.filter((name) => !text.includes(`\`${name}\``))).toEqual([]);
  });
});
