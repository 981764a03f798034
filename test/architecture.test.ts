import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/*
 * Ports and adapters, enforced (STYLE §2): src/ is the pure core; connectors/<x> may use src/,
 * its own SDK and connectors/shared, never jobs/ or another connector; only jobs/ composes.
 */
const root = join(import.meta.dirname, '..');

function files(dir: string): string[] {
  return readdirSync(join(root, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(join(root, path)).isDirectory()) return files(path);
    return path.endsWith('.ts') && !path.endsWith('.test.ts') ? [path] : [];
  });
}

function imports(path: string): { spec: string; typeOnly: boolean }[] {
  const text = readFileSync(join(root, path), 'utf8');
  const out: { spec: string; typeOnly: boolean }[] = [];
  for (const m of text.matchAll(/^\s*(import|export)\s+(type\s+)?[^'";]*?from\s+['"]([^'"]+)['"]/gm)) {
    out.push({ spec: m[3] ?? '', typeOnly: Boolean(m[2]) });
  }
  for (const m of text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push({ spec: m[1] ?? '', typeOnly: false });
  return out;
}

const resolveDir = (from: string, spec: string) => relative(root, join(root, from, '..', spec));

describe('architecture', () => {
  it('keeps src/ pure: only src/, zod and type-only pino', () => {
    const bad = files('src').flatMap((f) =>
      imports(f)
        .filter(({ spec, typeOnly }) => {
          if (spec.startsWith('.')) return !resolveDir(f, spec).startsWith('src');
          if (spec === 'zod') return false;
          if (spec === 'pino' && typeOnly) return false;
          return true;
        })
        .map(({ spec }) => `${f} imports ${spec}`),
    );
    expect(bad).toEqual([]);
  });

  it('keeps connectors apart from jobs/ and from each other', () => {
    const bad = files('connectors').flatMap((f) => {
      const own = f.split('/')[1];
      return imports(f)
        .filter(({ spec }) => spec.startsWith('.'))
        .filter(({ spec }) => {
          const target = resolveDir(f, spec);
          if (target.startsWith('src/')) return false;
          const [top, name] = target.split('/');
          return top !== 'connectors' || (name !== own && name !== 'shared');
        })
        .map(({ spec }) => `${f} imports ${spec}`);
    });
    expect(bad).toEqual([]);
  });

  it('lets only jobs/ (and tests) import bullmq', () => {
    const bad = [...files('src'), ...files('connectors')].filter((f) =>
      imports(f).some(({ spec }) => spec === 'bullmq'),
    );
    expect(bad).toEqual([]);
  });

  /** Each connector's own SDKs (STYLE §2), plus zod, Node's built-ins and type-only pino. */
  const CONNECTOR_PACKAGES: Record<string, readonly string[]> = {
    dynamics: ['@azure/msal-node', 'axios'],
    'partner-center': ['@azure/msal-node', 'axios'],
    'partner-center-webhook': ['axios'],
    redis: ['ioredis'],
    salesforce: ['jsforce', 'jsforce/lib/request.js'],
    shared: ['@azure/msal-node', 'axios'],
    webhook: ['axios'],
  };

  it('lets each connector import only its own SDKs (#13)', () => {
    const bad = files('connectors').flatMap((f) => {
      const own = f.split('/')[1] ?? '';
      const allowed = CONNECTOR_PACKAGES[own];
      if (!allowed) return [`${f}: connectors/${own} has no package list in this test`];
      return imports(f)
        .filter(({ spec, typeOnly }) => {
          if (spec.startsWith('.') || spec.startsWith('node:') || spec === 'zod') return false;
          if (spec === 'pino' && typeOnly) return false;
          return !allowed.includes(spec);
        })
        .map(({ spec }) => `${f} imports ${spec}`);
    });
    expect(bad).toEqual([]);
  });

  it('keeps test support under test/: connectors/ and jobs/ hold no fixtures or test helpers (#13)', () => {
    const bad = [...files('connectors'), ...files('jobs')].filter(
      (f) =>
        /\.fixture\.ts$|(^|[/-])test-[^/]*$|-test\.ts$/.test(f) ||
        imports(f).some(({ spec }) => spec === 'vitest' || spec.startsWith('@vitest/')),
    );
    expect(bad).toEqual([]);
  });

  it('keeps test fakes and fixtures out of production code; only the demo runs the simulators (#13)', () => {
    const isDemo = (f: string) => f === 'jobs/demo.ts' || f.startsWith('jobs/demo/');
    const bad = [...files('src'), ...files('connectors'), ...files('jobs')]
      .filter((f) => !isDemo(f) && !f.endsWith('.fixture.ts'))
      .flatMap((f) =>
        imports(f)
          .filter(
            ({ spec }) =>
              spec.startsWith('.') && (resolveDir(f, spec).startsWith('test/') || spec.endsWith('.fixture.ts')),
          )
          .map(({ spec }) => `${f} imports ${spec}`),
      );
    expect(bad).toEqual([]);
  });
});

describe('production dependencies (#14, #18)', () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  const packageOf = (spec: string) =>
    spec
      .split('/')
      .slice(0, spec.startsWith('@') ? 2 : 1)
      .join('/');

  it('carry no compiler: the package runs compiled JavaScript from dist/', () => {
    expect(Object.keys(pkg.dependencies).filter((name) => /^(tsx|esbuild|typescript|ts-node)$/.test(name))).toEqual([]);
  });

  it('hold every package the shipped code imports at run time (the demo and its simulators included)', () => {
    // The simulators the demo imports (test/fakes/…) ship in dist/ too: follow its relative imports.
    const shipped = new Set([...files('src'), ...files('connectors'), ...files('jobs')]);
    for (const f of shipped)
      for (const { spec } of imports(f)) if (spec.startsWith('.')) shipped.add(resolveDir(f, spec));
    // Build-time only: the mapping studio's browser code is bundled by `npm run build` into
    // dist/studio (jobs/http/studio/bundle.ts falls back to esbuild only where it is installed).
    const buildTime = (f: string) =>
      f.startsWith('jobs/http/studio/client/') || f === 'jobs/http/studio/build-studio.ts';
    const bad = [...shipped]
      .filter((f) => !f.endsWith('.fixture.ts') && !f.endsWith('.fixtures.ts') && !buildTime(f))
      .flatMap((f) =>
        imports(f)
          .filter(({ spec, typeOnly }) => !typeOnly && !spec.startsWith('.') && !spec.startsWith('node:'))
          .filter(({ spec }) => !(packageOf(spec) in pkg.dependencies))
          .filter(({ spec }) => !(f === 'jobs/http/studio/bundle.ts' && spec === 'esbuild'))
          .map(({ spec }) => `${f} imports ${spec}`),
      );
    expect(bad).toEqual([]);
  });
});
