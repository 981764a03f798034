import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { TOKEN_CACHE_KEY_FORMAT } from '../../src/config/env.ts';
import { AuthError, FatalError } from '../../src/errors.ts';

/*
 * The msal token cache holds a refresh token that stays valid for months, so it is stored
 * only as AES-256-GCM ciphertext: `rsc1.<iv>.<tag>.<ciphertext>` (base64url parts). GCM's
 * tag makes a wrong key or a tampered file fail loudly instead of yielding garbage.
 */

const VERSION = 'rsc1';
/** Binds ciphertext to its purpose, so another blob encrypted with the same key is refused. */
const AAD = Buffer.from('referral-sync msal token cache v1');
/**
 * GCM's full tag. Node accepts shorter ones (down to 4 bytes) unless told the length, and a
 * 4-byte tag is forged by trying about 2^32 blobs (issue 14).
 */
const TAG_BYTES = 16;

/** TOKEN_CACHE_KEY: 32 bytes as 64 hex chars or base64 (44 chars with padding, 43 without). */
export function parseCacheKey(raw: string): Buffer {
  const text = raw.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
  if (key.length !== 32 || !TOKEN_CACHE_KEY_FORMAT.test(text)) {
    throw new FatalError(
      'TOKEN_CACHE_KEY must be 32 bytes as base64 (44 chars) or hex (64 chars); generate one with `openssl rand -base64 32`',
    );
  }
  return key;
}

export function encryptCache(plaintext: string, key: Buffer): string {
  const iv = randomBytes(12); // 96-bit nonce, the size GCM is specified for (NIST SP 800-38D)
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(AAD);
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [VERSION, iv, cipher.getAuthTag(), ciphertext]
    .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
    .join('.');
}

/** Throws AuthError when the key is wrong or the blob is damaged: the admin must act either way. */
export function decryptCache(blob: string, key: Buffer): string {
  const [version, iv, tag, ciphertext, ...rest] = blob.trim().split('.');
  if (version !== VERSION || iv === undefined || tag === undefined || ciphertext === undefined || rest.length > 0) {
    throw new AuthError(
      'the saved Partner Center sign-in is not in a format this version understands; run `referral-sync login` again',
    );
  }
  try {
    const tagBytes = Buffer.from(tag, 'base64url');
    if (tagBytes.length !== TAG_BYTES) throw new Error('short tag');
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'), { authTagLength: TAG_BYTES });
    decipher.setAAD(AAD);
    decipher.setAuthTag(tagBytes);
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    throw new AuthError(
      'the saved Partner Center sign-in cannot be decrypted: TOKEN_CACHE_KEY is not the key it was saved with, or the ' +
        'cache was damaged; restore the previous key or run `referral-sync login` again',
    );
  }
}
