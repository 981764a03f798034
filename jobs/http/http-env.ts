import { isIP } from 'node:net';
import { hostName } from './allowed-host.ts';
import { isLoopback, type AuthOptions, type BasicUser, type BearerToken } from './auth.ts';
import type { HttpServerOptions } from './server.ts';
import type { Role } from './types.ts';

/**
 * The dashboard's environment variables, as src/config/env.ts parses them (the lead adds them to
 * the Env schema; secrets: DASHBOARD_TOKENS, DASHBOARD_BASIC_USERS). This turns them into
 * startHttpServer options. Problems name the variable and the rule, never a value.
 */
export interface DashboardEnv {
  DASHBOARD_HOST: string;
  DASHBOARD_PORT: number;
  /** `role:token` or `name@role:token`, comma-separated; role viewer|operator. */
  DASHBOARD_TOKENS?: string | undefined;
  /** `user:role:password`, comma-separated (passwords without commas). */
  DASHBOARD_BASIC_USERS?: string | undefined;
  /** e.g. X-Forwarded-User, set by an authenticating reverse proxy. */
  DASHBOARD_UPSTREAM_USER_HEADER?: string | undefined;
  /** Upstream users with the operator role, comma-separated. */
  DASHBOARD_OPERATORS?: string | undefined;
  DASHBOARD_PUBLIC_METRICS?: 'on' | 'off' | undefined;
  /** Proxy addresses whose upstream user header is believed, comma-separated. */
  DASHBOARD_TRUSTED_PROXIES?: string | undefined;
  /** Host names accepted besides loopback and the bind address, comma-separated. */
  DASHBOARD_ALLOWED_HOSTS?: string | undefined;
}

// 128 bits as hex (`openssl rand -hex 16` gives 32 characters); base64 of the same is shorter, but
// one rule that every generator we document meets is easier to state (issue 14).
const MIN_TOKEN_LENGTH = 32;
// A typed word or a repeated character is not random: any generated token of 32 characters has
// far more distinct characters (16 hex digits appear in almost every 32-digit draw).
const MIN_DISTINCT_CHARACTERS = 10;
/**
 * Headers that carry something else (routing, credentials, client addresses, browser metadata):
 * naming one as the user header would let any client pick its user, or break routing (issue 14).
 */
const RESERVED_HEADER =
  /^(host|authorization|proxy-authorization|cookie|set-cookie|origin|referer|user-agent|connection|upgrade|te|trailer|transfer-encoding|content-.*|forwarded|x-forwarded-(for|host|proto|port|prefix)|x-real-ip|sec-.*|accept.*|cache-control|pragma|via)$/i;

const isRole = (s: string | undefined): s is Role => s === 'viewer' || s === 'operator';
const items = (s: string | undefined) =>
  (s ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '');

function tokens(raw: string | undefined, problems: string[]): BearerToken[] {
  return items(raw).flatMap((item, i) => {
    const m = /^(?:([A-Za-z0-9_.-]+)@)?(viewer|operator):(.+)$/.exec(item);
    if (!m?.[2] || !m[3]) {
      problems.push(
        `DASHBOARD_TOKENS entry ${i + 1} must look like role:token or name@role:token (role viewer or operator)`,
      );
      return [];
    }
    if (m[3].length < MIN_TOKEN_LENGTH)
      problems.push(`DASHBOARD_TOKENS entry ${i + 1}: the token must be at least ${MIN_TOKEN_LENGTH} characters`);
    else if (new Set(m[3]).size < MIN_DISTINCT_CHARACTERS) {
      problems.push(
        `DASHBOARD_TOKENS entry ${i + 1}: the token does not look random; generate one with \`openssl rand -hex 16\``,
      );
    }
    return isRole(m[2]) ? [{ token: m[3], role: m[2], ...(m[1] ? { name: m[1] } : {}) }] : [];
  });
}

function basicUsers(raw: string | undefined, problems: string[]): BasicUser[] {
  return items(raw).flatMap((item, i) => {
    const [user, role, ...rest] = item.split(':');
    const password = rest.join(':');
    if (!user || !isRole(role) || password.length < 12) {
      problems.push(
        `DASHBOARD_BASIC_USERS entry ${i + 1} must look like user:role:password (role viewer or operator, password of 12+ characters)`,
      );
      return [];
    }
    return [{ user, role, password }];
  });
}

export function httpOptionsFromEnv(
  env: DashboardEnv,
): { ok: true; options: HttpServerOptions } | { ok: false; problems: string[] } {
  const problems: string[] = [];
  const bearerTokens = tokens(env.DASHBOARD_TOKENS, problems);
  const basic = basicUsers(env.DASHBOARD_BASIC_USERS, problems);
  const header = env.DASHBOARD_UPSTREAM_USER_HEADER?.trim();
  if (header && (!/^[A-Za-z0-9-]{1,64}$/.test(header) || RESERVED_HEADER.test(header))) {
    problems.push(
      'DASHBOARD_UPSTREAM_USER_HEADER must be a user header name such as X-Forwarded-User (not Host, Authorization, Cookie, X-Forwarded-For …)',
    );
  }
  const proxies = items(env.DASHBOARD_TRUSTED_PROXIES);
  proxies.forEach((p, i) => {
    if (isIP(p) === 0) problems.push(`DASHBOARD_TRUSTED_PROXIES entry ${i + 1} must be an IP address`);
  });
  // Beyond loopback the proxy is usually another machine: without its address the header would
  // be ignored from it, or (worse, before issue 14) believed from anyone.
  if (header && proxies.length === 0 && !isLoopback(env.DASHBOARD_HOST)) {
    problems.push(
      "DASHBOARD_UPSTREAM_USER_HEADER on a non-loopback DASHBOARD_HOST needs DASHBOARD_TRUSTED_PROXIES (the proxy's address)",
    );
  }
  if (env.DASHBOARD_OPERATORS && !header) problems.push('DASHBOARD_OPERATORS needs DASHBOARD_UPSTREAM_USER_HEADER');
  const allowedHosts = items(env.DASHBOARD_ALLOWED_HOSTS);
  allowedHosts.forEach((h, i) => {
    if (hostName(h) !== h.toLowerCase())
      problems.push(`DASHBOARD_ALLOWED_HOSTS entry ${i + 1} must be a host name without port, e.g. ops.example.com`);
  });
  if (problems.length > 0) return { ok: false, problems };
  const auth: AuthOptions = {
    ...(bearerTokens.length ? { bearerTokens } : {}),
    ...(basic.length ? { basicUsers: basic } : {}),
    ...(header ? { upstreamHeader: header, upstreamOperators: items(env.DASHBOARD_OPERATORS) } : {}),
    // Listed proxies also key the failed sign-in limit on X-Forwarded-For (client-address.ts).
    ...(proxies.length ? { trustedProxies: proxies } : {}),
  };
  return {
    ok: true,
    options: {
      host: env.DASHBOARD_HOST,
      port: env.DASHBOARD_PORT,
      auth,
      publicMetrics: env.DASHBOARD_PUBLIC_METRICS === 'on',
      ...(allowedHosts.length ? { allowedHosts } : {}),
    },
  };
}
