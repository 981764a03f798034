import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { FatalError, RetryableError } from '../../src/errors.ts';
import type { KeyValueStore } from '../shared/key-value-store.ts';

/** Where the encrypted msal cache lives (TOKEN_CACHE_LOCATION: `file:<path>` or `redis`). */
export type TokenCacheLocation =
  { kind: 'file'; path: string } | { kind: 'kv'; store: KeyValueStore; /** default `msal-cache` */ key?: string };

/** Opaque blob storage for the encrypted cache. */
export interface TokenCacheStore {
  load(): Promise<string | null>;
  save(blob: string): Promise<void>;
}

export function openTokenCacheStore(location: TokenCacheLocation): TokenCacheStore {
  return location.kind === 'file' ? fileStore(location.path) : kvStore(location.store, location.key ?? 'msal-cache');
}

const codeOf = (err: unknown): string =>
  typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'string'
    ? (err as { code: string }).code
    : 'unknown';

function fileStore(path: string): TokenCacheStore {
  return {
    async load() {
      try {
        return await readFile(path, 'utf8');
      } catch (err) {
        if (codeOf(err) === 'ENOENT') return null;
        throw new FatalError(`cannot read the token cache file ${path} (${codeOf(err)})`);
      }
    },
    async save(blob) {
      try {
        await mkdir(dirname(path), { recursive: true, mode: 0o700 });
        // mkdir's mode applies only to a directory it creates; one made earlier may be readable
        // by others, who could then list or swap the cache file (issue 14).
        await chmod(dirname(path), 0o700);
        // Write-then-rename: a crash mid-write never leaves a truncated cache behind.
        const tmp = `${path}.${process.pid}.tmp`;
        await writeFile(tmp, blob, { mode: 0o600 });
        await rename(tmp, path);
      } catch (err) {
        throw new FatalError(`cannot write the token cache file ${path} (${codeOf(err)})`);
      }
    },
  };
}

function kvStore(store: KeyValueStore, key: string): TokenCacheStore {
  // A store outage (Redis restarting) is transient: the job retries.
  const wrap = <T>(what: string, p: Promise<T>): Promise<T> =>
    p.catch((err: unknown) => {
      throw new RetryableError(`cannot ${what} the token cache in the key-value store (${codeOf(err)})`);
    });
  return {
    load: () => wrap('read', store.get(key)),
    save: (blob) => wrap('write', store.set(key, blob)),
  };
}
