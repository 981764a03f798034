import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SHIPPED_NODE_OPTIONS } from '../bench/options.ts';

/* README's benchmark runs the worker "as shipped": the bench, `npm start` and the image agree. */
describe('shipped Node options', () => {
  it('are the same in the bench, the start script and the Dockerfile', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.start).toBe(`node ${SHIPPED_NODE_OPTIONS} bin/referral-sync.js start`);
    expect(readFileSync('Dockerfile', 'utf8')).toContain(`ENV NODE_OPTIONS="${SHIPPED_NODE_OPTIONS}"`);
    expect(readFileSync('README.md', 'utf8')).toContain(`as shipped: \`${SHIPPED_NODE_OPTIONS}\``);
  });
});
