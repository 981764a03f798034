import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import { FatalError } from '../../src/errors.ts';
import type { Identity, Role } from './types.ts';

export interface BearerToken {
  token: string;
  role: Role;
  /** Named in action logs; defaults to `token-<n>`. */
  name?: string;
}

export interface BasicUser {
  user: string;
  password: string;
  role: Role;
}

export interface AuthOptions {
  /** For scripts and Prometheus (`Authorization: Bearer …`). */
  bearerTokens?: readonly BearerToken[];
  /** For people with a browser (the browser asks once and resends it). */
  basicUsers?: readonly BasicUser[];
  /**
   * A header a reverse proxy sets after its own sign-in (e.g. `X-Forwarded-User`). Trusted only
   * when set here, and only safe when the proxy strips the header from client requests and is
   * the only way in.
   */
  upstreamHeader?: string;
  /** Upstream users with the operator role; every other upstream user is a viewer. */
  upstreamOperators?: readonly string[];
  /**
   * Peer addresses (DASHBOARD_TRUSTED_PROXIES) whose `upstreamHeader` is believed; default the
   * loopback addresses (a proxy on the same host). From any other peer the header is ignored:
   * a client that reaches the port directly could otherwise name any user (issue 14). Listed
   * proxies also make the failed sign-in limit count the client in X-Forwarded-For
   * (client-address.ts); the loopback default does not, so a local client cannot pick its key.
   */
  trustedProxies?: readonly string[];
  /**
   * Role of requests without credentials when no method above is configured (loopback only).
   * Default viewer: read-only until an operator is configured. The demo uses operator.
   */
  anonymousRole?: Role;
}

const isConfigured = (a: AuthOptions | undefined): boolean =>
  Boolean(a && ((a.bearerTokens?.length ?? 0) > 0 || (a.basicUsers?.length ?? 0) > 0 || a.upstreamHeader));

/** 127.0.0.0/8, ::1 and localhost. 0.0.0.0 and :: mean "every interface", so they are not. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1' || h === '::ffff:127.0.0.1') return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

/** Throws before anything listens when a non-loopback bind has no way to authenticate. */
export function assertSafeBind(host: string, auth: AuthOptions | undefined): void {
  if (isLoopback(host) || isConfigured(auth)) return;
  throw new FatalError(
    `refusing to serve the dashboard on ${host} without authentication: configure a bearer token, ` +
      'basic users or an upstream auth header (DASHBOARD_TOKENS, DASHBOARD_BASIC_USERS, ' +
      'DASHBOARD_UPSTREAM_USER_HEADER), or bind to 127.0.0.1',
  );
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** Equal-length digests, so the comparison time says nothing about where the inputs differ. */
export function constantTimeEqual(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

/** Checks every candidate (no early exit) and returns the first match. */
function findConstantTime<T>(items: readonly T[], matches: (item: T) => boolean): T | undefined {
  let found: T | undefined;
  for (const item of items) {
    if (matches(item) && found === undefined) found = item;
  }
  return found;
}

/**
 * The basic user whose name and password both match. Both are compared for every user (issue
 * 14): with `&&`, a wrong name skipped the password hash, so the answer time told which names exist.
 */
export function findBasicUser(
  users: readonly BasicUser[],
  user: string,
  password: string,
  equal: (a: string, b: string) => boolean = constantTimeEqual,
): BasicUser | undefined {
  return findConstantTime(users, (u) => {
    const nameOk = equal(u.user, user);
    const passwordOk = equal(u.password, password);
    return nameOk && passwordOk;
  });
}

function fromAuthorization(auth: AuthOptions, header: string): Identity | null {
  const [scheme = '', value = ''] = header.trim().split(/\s+/, 2);
  if (scheme.toLowerCase() === 'bearer' && auth.bearerTokens?.length) {
    const tokens = auth.bearerTokens;
    const hit = findConstantTime(tokens, (t) => constantTimeEqual(t.token, value));
    return hit ? { user: hit.name ?? `token-${tokens.indexOf(hit) + 1}`, role: hit.role, via: 'token' } : null;
  }
  if (scheme.toLowerCase() === 'basic' && auth.basicUsers?.length) {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return null;
    const user = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    const hit = findBasicUser(auth.basicUsers, user, password);
    return hit ? { user: hit.user, role: hit.role, via: 'basic' } : null;
  }
  return null;
}

/**
 * Who the request is from, or null (401). Credentials that are present but wrong are never
 * downgraded to the anonymous role.
 */
/** Whether `peer` (the socket's remote address) may set the upstream user header. */
function isTrustedProxy(auth: AuthOptions, peer: string | undefined): boolean {
  if (peer === undefined) return false;
  const p = peer.replace(/^::ffff:/, '');
  return auth.trustedProxies?.length ? auth.trustedProxies.includes(p) : isLoopback(p);
}

export function authenticate(
  auth: AuthOptions | undefined,
  headers: Readonly<Record<string, string | undefined>>,
  peer?: string,
): Identity | null {
  const a = auth ?? {};
  const authorization = headers.authorization;
  if (authorization && ((a.bearerTokens?.length ?? 0) > 0 || (a.basicUsers?.length ?? 0) > 0)) {
    return fromAuthorization(a, authorization);
  }
  if (a.upstreamHeader && isTrustedProxy(a, peer)) {
    const user = headers[a.upstreamHeader.toLowerCase()]?.trim();
    if (user) {
      const operator = findConstantTime(a.upstreamOperators ?? [], (o) => constantTimeEqual(o, user)) !== undefined;
      return { user, role: operator ? 'operator' : 'viewer', via: 'upstream' };
    }
  }
  if (isConfigured(a)) return null;
  return { user: 'local', role: a.anonymousRole ?? 'viewer', via: 'anonymous' };
}

/** The `WWW-Authenticate` challenge for a 401: Basic makes browsers ask for a password. */
export function challenge(auth: AuthOptions | undefined): string {
  return auth?.basicUsers?.length ? 'Basic realm="referral-sync", charset="UTF-8"' : 'Bearer realm="referral-sync"';
}
