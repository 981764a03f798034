import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { HttpRoute } from './types.ts';

/**
 * Browser scripts the dashboard pages load from our own origin (the CSP allows script-src 'self'
 * and nothing inline). Each is a file of an npm package, read once at start and served with a
 * long cache lifetime under a name that carries the package version, so an upgrade is never
 * served stale. Charts use Chart.js rather than hand-drawn SVG: axes, scales and tooltips are its job.
 */
export interface Asset {
  /** URL path, e.g. /assets/chart-4.6.2.js */
  path: string;
  contentType: string;
  body: Buffer;
}

const require = createRequire(import.meta.url);

/** The package's folder: its exports map hides package.json, so walk up from its entry point. */
function packageDir(name: string): string {
  let dir = dirname(require.resolve(name));
  while (!existsSync(join(dir, 'package.json')) || !dir.endsWith(name)) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`dashboard assets: cannot find the ${name} package folder`);
    dir = up;
  }
  return dir;
}

function packageAsset(name: string, file: string, alias: string): Asset {
  const dir = packageDir(name);
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string };
  return {
    path: `/assets/${alias}-${pkg.version}.js`,
    contentType: 'text/javascript; charset=utf-8',
    body: readFileSync(join(dir, file)),
  };
}

/** A script of ours next to this file, named by a hash of its content (cached for good, never stale). */
function ownAsset(file: string): Asset {
  const body = readFileSync(new URL(file, import.meta.url));
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
  return {
    path: `/assets/${file.replace(/\.js$/, '')}-${hash}.js`,
    contentType: 'text/javascript; charset=utf-8',
    body,
  };
}

type Assets = { chart: Asset; dashboardCharts: Asset };
let loaded: Assets | undefined;

/** The assets pages refer to; `assets().chart.path` is what a page puts in its <script src>. */
export function assets(): Assets {
  loaded ??= {
    chart: packageAsset('chart.js', 'dist/chart.umd.min.js', 'chart'),
    // The overview's queue health charts; reads the page's JSON block.
    dashboardCharts: ownAsset('dashboard-charts.js'),
  };
  return loaded;
}

export function assetRoutes(): HttpRoute[] {
  return Object.values(assets()).map((a) => ({
    method: 'GET' as const,
    path: a.path,
    access: 'viewer' as const,
    handler: () => ({
      status: 200,
      body: a.body,
      headers: { 'content-type': a.contentType, 'cache-control': 'private, max-age=31536000, immutable' },
    }),
  }));
}
