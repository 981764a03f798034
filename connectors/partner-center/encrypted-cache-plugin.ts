import type { ICachePlugin, TokenCacheContext } from '@azure/msal-node';
import { decryptCache, encryptCache } from './token-cache-crypto.ts';
import type { TokenCacheStore } from './token-cache-store.ts';

/**
 * msal cache plugin that keeps the serialised cache only as ciphertext in `store`. It re-reads
 * before every cache access (another worker may have refreshed the tokens) but skips the
 * decrypt when the stored blob is the one it last saw.
 */
export function createEncryptedCachePlugin(store: TokenCacheStore, key: Buffer): ICachePlugin {
  let lastBlob: string | null = null;
  return {
    async beforeCacheAccess(ctx: TokenCacheContext): Promise<void> {
      const blob = await store.load();
      if (blob === null || blob === lastBlob) return;
      ctx.tokenCache.deserialize(decryptCache(blob, key));
      lastBlob = blob;
    },
    async afterCacheAccess(ctx: TokenCacheContext): Promise<void> {
      if (!ctx.cacheHasChanged) return;
      const blob = encryptCache(ctx.tokenCache.serialize(), key);
      await store.save(blob);
      lastBlob = blob;
    },
  };
}
