import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AuthError, FatalError } from '../../src/errors.ts';
import { parseEnv } from '../../src/config/env.ts';
import { decryptCache, encryptCache, parseCacheKey } from './token-cache-crypto.ts';

const minimalEnv = {
  PARTNER_CENTER_CLIENT_ID: 'app-id',
  SALESFORCE_CLIENT_ID: 'sf-id',
  SALESFORCE_USERNAME: 'sync@example.com',
  SALESFORCE_PRIVATE_KEY_FILE: '/run/secrets/sf.pem',
};

describe('token cache encryption', () => {
  const key = randomBytes(32);

  it.each([
    ['base64 with padding', key.toString('base64')],
    ['base64 without padding', key.toString('base64').replace(/=+$/, '')],
    ['hex', key.toString('hex')],
    ['hex, upper case, with a trailing newline', `${key.toString('hex').toUpperCase()}\n`],
  ])('parses a %s key', (_name, raw) => {
    expect(parseCacheKey(raw).equals(key)).toBe(true);
  });

  it.each([
    ['too short', randomBytes(16).toString('base64')],
    ['too long', randomBytes(48).toString('hex')],
    ['not base64', '!'.repeat(44)],
    ['empty', ''],
  ])('rejects a %s key without echoing it', (_name, raw) => {
    const err = (() => {
      try {
        parseCacheKey(raw);
        return undefined;
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(FatalError);
    if (raw.length > 4) expect((err as Error).message).not.toContain(raw);
  });

  it('round-trips, with a fresh IV each time and no plaintext in the blob', () => {
    const plain = JSON.stringify({ RefreshToken: { x: { secret: 'refresh-token-value' } } });
    const a = encryptCache(plain, key);
    const b = encryptCache(plain, key);
    expect(a).not.toBe(b);
    expect(a).not.toContain('refresh-token-value');
    expect(decryptCache(a, key)).toBe(plain);
  });

  it('a wrong key or a tampered blob → AuthError mentioning TOKEN_CACHE_KEY and login', () => {
    const blob = encryptCache('{"a":1}', key);
    expect(() => decryptCache(blob, randomBytes(32))).toThrow(AuthError);
    expect(() => decryptCache(blob, randomBytes(32))).toThrow(/TOKEN_CACHE_KEY.*referral-sync login/);
    const parts = blob.split('.');
    const flipped = [parts[0], parts[1], parts[2], Buffer.from('tampered').toString('base64url')].join('.');
    expect(() => decryptCache(flipped, key)).toThrow(AuthError);
    expect(() => decryptCache('{"plain":"json"}', key)).toThrow(/referral-sync login/);
  });

  it('refuses a blob whose tag is cut short (#14)', () => {
    const [version, iv, tag, ciphertext] = encryptCache('{"a":1}', key).split('.');
    const short = [
      version,
      iv,
      Buffer.from(String(tag), 'base64url').subarray(0, 4).toString('base64url'),
      ciphertext,
    ].join('.');
    expect(() => decryptCache(short, key)).toThrow(AuthError);
  });

  it.each([
    ['44 base64 characters without padding', 'A'.repeat(44)],
    ['a key with a trailing newline', `${key.toString('hex')}\n`],
  ])('the env check and parseCacheKey agree: %s (#14)', (_, raw) => {
    const envOk = parseEnv({ ...minimalEnv, TOKEN_CACHE_KEY: raw }).ok;
    const keyOk = (() => {
      try {
        parseCacheKey(raw);
        return true;
      } catch {
        return false;
      }
    })();
    expect(envOk).toBe(keyOk);
  });
});
