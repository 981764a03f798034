import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Asset } from '../assets.ts';

/*
 * The studio's browser bundle (CodeMirror 6 + our client code) as one file served from our
 * origin (the CSP allows script-src 'self' only). Built by `npm run build:studio` into
 * dist/studio/ so a production image needs neither esbuild nor the editor packages at run time
 * (both are devDependencies). Without that file (a fresh clone after `npm ci`, tests), or when the
 * client source is newer than it (development), the server bundles in memory once, on the first
 * request for the studio: esbuild takes well under a second, and nothing is written to disk.
 */

const ENTRY = fileURLToPath(new URL('./client/studio.client.ts', import.meta.url));
const CLIENT_DIR = fileURLToPath(new URL('./client/', import.meta.url));
/** Where `npm run build:studio` writes: <root>/dist/studio/, seen from the sources or from dist/ (compiled). */
export const PREBUILT = import.meta.url.endsWith('.js')
  ? fileURLToPath(new URL('../../../studio/mapping-studio.js', import.meta.url))
  : fileURLToPath(new URL('../../../dist/studio/mapping-studio.js', import.meta.url));

const newestSource = (): number => {
  try {
    return Math.max(
      ...['studio.client.ts', 'schema-complete.ts', 'render-results.ts'].map((f) => statSync(CLIENT_DIR + f).mtimeMs),
    );
  } catch {
    return 0; // no sources shipped (a production image): the prebuilt file is all there is
  }
};

/** Bundles the client; `outfile` writes it there (the build script), else returns it. */
export async function bundleStudio(outfile?: string): Promise<Buffer> {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: [ENTRY],
    bundle: true,
    minify: true,
    format: 'iife',
    target: ['es2022'],
    legalComments: 'none',
    write: false,
    ...(outfile ? { outfile } : { outdir: '.' }),
  });
  const file = result.outputFiles[0];
  if (!file) throw new Error('studio bundle: esbuild produced no output');
  return Buffer.from(file.contents);
}

let loading: Promise<Asset> | undefined;

/** The bundle as an asset whose path carries its content hash (cacheable for good). */
export function studioAsset(): Promise<Asset> {
  loading ??= (async () => {
    const prebuilt = existsSync(PREBUILT);
    const fresh = prebuilt && statSync(PREBUILT).mtimeMs >= newestSource();
    // A stale prebuilt file still beats none where the editor packages are not installed.
    const body = fresh
      ? readFileSync(PREBUILT)
      : await bundleStudio().catch((err: unknown) => {
          if (prebuilt) return readFileSync(PREBUILT);
          throw err;
        });
    const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
    return { path: `/assets/mapping-studio.js?v=${hash}`, contentType: 'text/javascript; charset=utf-8', body };
  })();
  loading.catch(() => {
    loading = undefined;
  });
  return loading;
}
