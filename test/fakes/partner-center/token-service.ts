import { randomBytes, randomUUID } from 'node:crypto';

export interface TokenServiceOptions {
  /** Access-token lifetime in seconds (default 3600, as in the reference's sample token). */
  accessTokenLifetimeSec?: number;
  /** When set, token requests for another client id are rejected with `invalid_client`. */
  clientId?: string;
  /** When set, client_credentials must present this secret. */
  clientSecret?: string;
  /** Approve device codes on the first poll (default true); false waits for approveDeviceCode(). */
  autoApproveDeviceCode?: boolean;
  /** Poll interval (seconds, fractions allowed) the devicecode endpoint tells msal to use. */
  deviceCodePollIntervalSec?: number;
  /** The signed-in user the delegated tokens are for. */
  user?: { username: string; name: string; oid: string };
}

export interface OAuthReply {
  status: number;
  body: Record<string, unknown>;
}

interface DeviceCode {
  userCode: string;
  clientId: string;
  scope: string;
  approved: boolean;
  expiresAt: number;
}

const b64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
const opaque = (prefix: string): string => `${prefix}${randomBytes(24).toString('base64url')}`;
const oauthError = (status: number, error: string, description: string): OAuthReply => ({
  status,
  body: { error, error_description: description },
});

/**
 * The Entra endpoints msal-node uses: devicecode, and token with the device_code,
 * refresh_token and client_credentials grants. Access tokens are opaque random strings (never
 * JWTs), so a leak in a log is found by a plain substring search.
 */
export class TokenService {
  readonly tenantId = randomUUID();
  private readonly accessTokens = new Map<string, number>();
  private readonly refreshTokens = new Set<string>();
  private readonly deviceCodes = new Map<string, DeviceCode>();
  private readonly issued: string[] = [];
  private readonly user: { username: string; name: string; oid: string };
  lifetimeSec: number;

  constructor(
    private readonly opts: TokenServiceOptions,
    private readonly now: () => number,
    private readonly issuer: (tenant: string) => string,
  ) {
    this.lifetimeSec = opts.accessTokenLifetimeSec ?? 3600;
    this.user = opts.user ?? {
      username: 'referrals.admin@northwind.example',
      name: 'Referrals Admin',
      oid: randomUUID(),
    };
  }

  /** True when `token` was issued here and has not expired or been revoked. */
  isValid(token: string): boolean {
    const expiresAt = this.accessTokens.get(token);
    return expiresAt !== undefined && expiresAt > this.now();
  }

  issuedAccessTokens(): string[] {
    return [...this.issued];
  }

  revokeAccessTokens(): void {
    this.accessTokens.clear();
  }

  revokeRefreshTokens(): void {
    this.refreshTokens.clear();
  }

  /** Approves the pending device code with this user code, or every pending one. */
  approveDeviceCode(userCode?: string): number {
    let n = 0;
    for (const dc of this.deviceCodes.values()) {
      if (userCode === undefined || dc.userCode === userCode) {
        dc.approved = true;
        n++;
      }
    }
    return n;
  }

  deviceCode(form: URLSearchParams, verificationUri: string): OAuthReply {
    const clientId = form.get('client_id') ?? '';
    if (this.opts.clientId && clientId !== this.opts.clientId)
      return oauthError(400, 'invalid_client', 'unknown client');
    const deviceCode = opaque('dc-');
    const userCode = randomBytes(4).toString('hex').toUpperCase();
    const expiresIn = 900;
    this.deviceCodes.set(deviceCode, {
      userCode,
      clientId,
      scope: form.get('scope') ?? '',
      approved: this.opts.autoApproveDeviceCode ?? true,
      expiresAt: this.now() + expiresIn * 1000,
    });
    return {
      status: 200,
      body: {
        device_code: deviceCode,
        user_code: userCode,
        verification_uri: verificationUri,
        expires_in: expiresIn,
        interval: this.opts.deviceCodePollIntervalSec ?? 0.05,
        message: `To sign in, open ${verificationUri} and enter the code ${userCode} to authenticate.`,
      },
    };
  }

  token(tenant: string, form: URLSearchParams): OAuthReply {
    const clientId = form.get('client_id') ?? '';
    if (this.opts.clientId && clientId !== this.opts.clientId)
      return oauthError(400, 'invalid_client', 'unknown client');
    const scope = form.get('scope') ?? '';
    switch (form.get('grant_type')) {
      case 'client_credentials':
        if (this.opts.clientSecret !== undefined && form.get('client_secret') !== this.opts.clientSecret) {
          return oauthError(401, 'invalid_client', 'client secret is wrong');
        }
        return { status: 200, body: this.tokens(scope, false, tenant, clientId) };
      // msal sends the short form; RFC 8628 defines the urn. Entra accepts both.
      case 'device_code':
      case 'urn:ietf:params:oauth:grant-type:device_code': {
        const dc = this.deviceCodes.get(form.get('device_code') ?? '');
        if (!dc || dc.expiresAt <= this.now())
          return oauthError(400, 'expired_token', 'device code expired or unknown');
        if (!dc.approved) return oauthError(400, 'authorization_pending', 'the user has not signed in yet');
        this.deviceCodes.delete(form.get('device_code') ?? '');
        return { status: 200, body: this.tokens(scope || dc.scope, true, tenant, clientId) };
      }
      case 'refresh_token': {
        const rt = form.get('refresh_token') ?? '';
        if (!this.refreshTokens.has(rt)) return oauthError(400, 'invalid_grant', 'refresh token revoked or unknown');
        return { status: 200, body: this.tokens(scope, true, tenant, clientId) };
      }
      default:
        return oauthError(400, 'unsupported_grant_type', `grant ${form.get('grant_type')} is not supported`);
    }
  }

  private tokens(scope: string, delegated: boolean, tenant: string, clientId: string): Record<string, unknown> {
    const accessToken = opaque('fake-at-');
    this.accessTokens.set(accessToken, this.now() + this.lifetimeSec * 1000);
    this.issued.push(accessToken);
    const body: Record<string, unknown> = {
      token_type: 'Bearer',
      access_token: accessToken,
      expires_in: this.lifetimeSec,
      ext_expires_in: this.lifetimeSec,
      scope: scope
        .split(' ')
        .filter((s) => !['openid', 'profile', 'offline_access'].includes(s))
        .join(' '),
    };
    if (!delegated) return body;
    const refreshToken = opaque('fake-rt-');
    this.refreshTokens.add(refreshToken);
    const tid = tenant === 'organizations' || tenant === 'common' ? this.tenantId : tenant;
    const iat = Math.floor(this.now() / 1000);
    // msal builds the cached account from the id token's claims and client_info; it does not
    // check the signature (that is the server's job), so an unsigned token is enough here.
    const idToken = [
      b64url({ typ: 'JWT', alg: 'none' }),
      b64url({
        aud: clientId,
        iss: this.issuer(tid),
        iat,
        nbf: iat,
        exp: iat + 3600,
        tid,
        oid: this.user.oid,
        sub: this.user.oid,
        preferred_username: this.user.username,
        name: this.user.name,
        ver: '2.0',
      }),
      '',
    ].join('.');
    return {
      ...body,
      refresh_token: refreshToken,
      id_token: idToken,
      client_info: b64url({ uid: this.user.oid, utid: tid }),
    };
  }
}
