import { createPublicKey, randomBytes, verify, type KeyObject } from 'node:crypto';

export interface JwtBearerConfig {
  clientId: string;
  username: string;
  /** The certificate's public key (PEM or KeyObject) the assertion must verify against. */
  publicKey: string | KeyObject;
  /** Expected `aud`; defaults to the fake's own URL (the login URL tests pass). */
  audience?: string;
}

export interface ClientCredentialsConfig {
  clientId: string;
  clientSecret: string;
}

export interface OAuthConfig {
  jwt: JwtBearerConfig | undefined;
  clientCredentials: ClientCredentialsConfig | undefined;
  baseUrl: string;
  orgId: string;
  userId: string;
  now: () => Date;
}

export type TokenOutcome = { status: number; body: Record<string, unknown>; token?: string };

const JWT_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
/** Salesforce rejects assertions whose `exp` is further out than a few minutes. */
const MAX_EXP_AHEAD_S = 5 * 60;

const oauthError = (error: string, description: string, status = 400): TokenOutcome => ({
  status,
  body: { error, error_description: description },
});

/** POST /services/oauth2/token for the JWT bearer and client credentials grants. */
export function handleTokenRequest(
  form: URLSearchParams,
  authorization: string | undefined,
  cfg: OAuthConfig,
): TokenOutcome {
  const grant = form.get('grant_type');
  if (grant === JWT_GRANT) {
    if (!cfg.jwt) return oauthError('unsupported_grant_type', 'grant type not supported');
    const problem = checkAssertion(form.get('assertion') ?? '', cfg.jwt, cfg.baseUrl, cfg.now());
    if (problem) return problem;
    return issue(cfg);
  }
  if (grant === 'client_credentials') {
    if (!cfg.clientCredentials) return oauthError('unsupported_grant_type', 'grant type not supported');
    let id = form.get('client_id');
    let secret = form.get('client_secret');
    if (authorization?.startsWith('Basic ')) {
      const [u, p] = Buffer.from(authorization.slice(6), 'base64').toString('utf8').split(':');
      id = decodeURIComponent(u ?? '');
      secret = decodeURIComponent(p ?? '');
    }
    if (id !== cfg.clientCredentials.clientId) return oauthError('invalid_client_id', 'client identifier invalid');
    if (secret !== cfg.clientCredentials.clientSecret)
      return oauthError('invalid_client', 'invalid client credentials');
    return issue(cfg);
  }
  return oauthError('unsupported_grant_type', 'grant type not supported');
}

function issue(cfg: OAuthConfig): TokenOutcome {
  const token = `${cfg.orgId}!${randomBytes(24).toString('base64url')}`;
  return {
    status: 200,
    token,
    body: {
      access_token: token,
      scope: 'api',
      instance_url: cfg.baseUrl,
      id: `${cfg.baseUrl}/id/${cfg.orgId}/${cfg.userId}`,
      token_type: 'Bearer',
      issued_at: String(cfg.now().getTime()),
      signature: randomBytes(32).toString('base64'),
    },
  };
}

function checkAssertion(assertion: string, jwt: JwtBearerConfig, baseUrl: string, now: Date): TokenOutcome | undefined {
  const parts = assertion.split('.');
  const [h, p, s] = parts;
  if (parts.length !== 3 || h === undefined || p === undefined || s === undefined)
    return oauthError('invalid_grant', 'invalid assertion');
  const header = decodeJson(h);
  const claims = decodeJson(p);
  if (!header || !claims || header.alg !== 'RS256') return oauthError('invalid_grant', 'invalid assertion');
  const key = typeof jwt.publicKey === 'string' ? createPublicKey(jwt.publicKey) : jwt.publicKey;
  const valid = verify('RSA-SHA256', Buffer.from(`${h}.${p}`), key, Buffer.from(s, 'base64url'));
  if (!valid) return oauthError('invalid_grant', 'invalid assertion');
  if (claims.iss !== jwt.clientId) return oauthError('invalid_client_id', 'client identifier invalid');
  if (claims.aud !== (jwt.audience ?? baseUrl)) return oauthError('invalid_grant', 'audience is invalid');
  if (claims.sub !== jwt.username) return oauthError('invalid_grant', "user hasn't approved this consumer");
  const nowS = Math.floor(now.getTime() / 1000);
  if (typeof claims.exp !== 'number' || claims.exp < nowS)
    return oauthError('invalid_grant', 'expired authorization code');
  if (claims.exp > nowS + MAX_EXP_AHEAD_S)
    return oauthError('invalid_grant', 'invalid assertion: exp too far in the future');
  return undefined;
}

function decodeJson(part: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
