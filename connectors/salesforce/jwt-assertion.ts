import { createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { AuthError } from '../../src/errors.ts';

export interface JwtClaimsInput {
  /** Consumer key of the app. */
  clientId: string;
  /** Integration user's username. */
  username: string;
  /** https://login.salesforce.com, https://test.salesforce.com or the login URL in use. */
  audience: string;
  now: Date;
  /**
   * Salesforce accepts an `exp` at most a few minutes ahead; the assertion is used once,
   * immediately, so a short lifetime costs nothing.
   */
  lifetimeSeconds?: number;
}

const b64url = (s: string | Buffer): string => Buffer.from(s).toString('base64url');

/** Reads the PEM once; a bad key is a configuration problem, reported without key material. */
export function loadPrivateKey(pem: string): KeyObject {
  try {
    return createPrivateKey(pem);
  } catch {
    throw new AuthError('salesforce sign-in: the private key could not be read (expected an unencrypted PEM RSA key)');
  }
}

/** RS256 JWT for the OAuth 2.0 JWT bearer flow, signed with node:crypto. */
export function signJwtAssertion(claims: JwtClaimsInput, key: KeyObject): string {
  const header = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }));
  const exp = Math.floor(claims.now.getTime() / 1000) + (claims.lifetimeSeconds ?? 180);
  const payload = b64url(JSON.stringify({ iss: claims.clientId, sub: claims.username, aud: claims.audience, exp }));
  const signature = sign('RSA-SHA256', Buffer.from(`${header}.${payload}`), key);
  return `${header}.${payload}.${b64url(signature)}`;
}
