import { describe, expect, it } from 'vitest';
import {
  assertSafeBind,
  authenticate,
  challenge,
  constantTimeEqual,
  findBasicUser,
  isLoopback,
  type AuthOptions,
} from './auth.ts';

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('bind address', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.10.0.1', true],
    ['::1', true],
    ['[::1]', true],
    ['localhost', true],
    ['0.0.0.0', false],
    ['::', false],
    ['10.0.0.5', false],
    ['dashboard.internal', false],
  ])('%s is loopback: %s', (host, expected) => expect(isLoopback(host)).toBe(expected));

  it('refuses a non-loopback bind without auth, with a sentence saying what to set', () => {
    expect(() => assertSafeBind('0.0.0.0', undefined)).toThrow(/DASHBOARD_TOKENS.*or bind to 127\.0\.0\.1/);
    expect(() => assertSafeBind('0.0.0.0', { anonymousRole: 'operator' })).toThrow(/refusing/);
    expect(() => assertSafeBind('0.0.0.0', { upstreamHeader: 'X-Forwarded-User' })).not.toThrow();
    expect(() => assertSafeBind('127.0.0.1', undefined)).not.toThrow();
  });
});

describe('authenticate', () => {
  const auth: AuthOptions = {
    bearerTokens: [
      { token: 'tok-operator', role: 'operator', name: 'ci' },
      { token: 'tok-viewer', role: 'viewer' },
    ],
    basicUsers: [{ user: 'alice', password: 'pa:ss', role: 'operator' }],
  };

  it.each([
    ['Bearer tok-operator', { user: 'ci', role: 'operator', via: 'token' }],
    ['bearer tok-viewer', { user: 'token-2', role: 'viewer', via: 'token' }],
    [basic('alice', 'pa:ss'), { user: 'alice', role: 'operator', via: 'basic' }],
    ['Bearer tok-operatorx', null],
    [basic('alice', 'wrong'), null],
    ['Digest abc', null],
  ])('%s', (authorization, expected) => expect(authenticate(auth, { authorization })).toEqual(expected));

  it('asks for credentials (null) when auth is configured and none came', () => {
    expect(authenticate(auth, {})).toBeNull();
    expect(challenge(auth)).toMatch(/^Basic/);
    expect(challenge({ bearerTokens: auth.bearerTokens ?? [] })).toMatch(/^Bearer/);
  });

  it('trusts the upstream header only when configured; listed users are operators', () => {
    const upstream: AuthOptions = { upstreamHeader: 'X-Forwarded-User', upstreamOperators: ['bob'] };
    expect(authenticate(upstream, { 'x-forwarded-user': 'bob' }, '127.0.0.1')).toEqual({
      user: 'bob',
      role: 'operator',
      via: 'upstream',
    });
    expect(authenticate(upstream, { 'x-forwarded-user': 'eve' }, '::ffff:127.0.0.1')).toEqual({
      user: 'eve',
      role: 'viewer',
      via: 'upstream',
    });
    expect(authenticate(upstream, {}, '127.0.0.1')).toBeNull();
    expect(authenticate(undefined, { 'x-forwarded-user': 'bob' })).toEqual({
      user: 'local',
      role: 'viewer',
      via: 'anonymous',
    });
  });

  it('gives loopback requests without configured auth the anonymous role (viewer unless set)', () => {
    expect(authenticate({}, {})?.role).toBe('viewer');
    expect(authenticate({ anonymousRole: 'operator' }, {})?.role).toBe('operator');
  });

  it('compares in constant time over digests of any length', () => {
    expect(constantTimeEqual('a', 'a')).toBe(true);
    expect(constantTimeEqual('a', 'a-much-longer-string')).toBe(false);
  });
});

describe('findBasicUser (#14)', () => {
  const users = [{ user: 'alice', role: 'operator' as const, password: 'correct-horse-battery' }];
  const comparedWith = (user: string, password: string): string[] => {
    const seen: string[] = [];
    findBasicUser(users, user, password, (a, b) => {
      seen.push(a);
      return a === b;
    });
    return seen;
  };

  it('compares the password even when the user name is wrong (no user-name timing oracle)', () => {
    expect(comparedWith('mallory', 'guess')).toEqual(['alice', 'correct-horse-battery']);
  });

  it('does the same work for a known name with a wrong password', () => {
    expect(comparedWith('alice', 'guess')).toEqual(comparedWith('mallory', 'guess'));
  });
});

describe('upstream header from untrusted peers (#14)', () => {
  const upstream: AuthOptions = { upstreamHeader: 'X-Forwarded-User', upstreamOperators: ['bob'] };

  it('ignores the header from a peer that is not the proxy', () => {
    expect(authenticate(upstream, { 'x-forwarded-user': 'bob' }, '10.0.0.9')).toBeNull();
  });

  it('believes it only from DASHBOARD_TRUSTED_PROXIES when those are set', () => {
    const behind: AuthOptions = { ...upstream, trustedProxies: ['10.0.0.2'] };
    expect(authenticate(behind, { 'x-forwarded-user': 'bob' }, '10.0.0.2')?.role).toBe('operator');
    expect(authenticate(behind, { 'x-forwarded-user': 'bob' }, '127.0.0.1')).toBeNull();
  });
});
