import { describe, expect, it } from 'vitest';
import { httpOptionsFromEnv } from './http-env.ts';

const base = { DASHBOARD_HOST: '0.0.0.0', DASHBOARD_PORT: 3000 };
const token = '3f9c1a7e5b2d8f0a6c4e1b9d7a5f3c2e';
const token2 = 'b1d3f5a7c9e0b2d4f6a8c0e2b4d6f8a0c1e3a5c7';

describe('httpOptionsFromEnv', () => {
  it('reads tokens, basic users and the upstream header', () => {
    const r = httpOptionsFromEnv({
      ...base,
      DASHBOARD_TOKENS: `prometheus@viewer:${token}, operator:${token2}`,
      DASHBOARD_BASIC_USERS: 'alice:operator:correct:horse:battery',
      DASHBOARD_UPSTREAM_USER_HEADER: 'X-Forwarded-User',
      DASHBOARD_TRUSTED_PROXIES: '10.0.0.2',
      DASHBOARD_OPERATORS: 'bob, carol',
      DASHBOARD_PUBLIC_METRICS: 'on',
    });
    expect(r).toEqual({
      ok: true,
      options: {
        host: '0.0.0.0',
        port: 3000,
        publicMetrics: true,
        auth: {
          bearerTokens: [
            { token, role: 'viewer', name: 'prometheus' },
            { token: token2, role: 'operator' },
          ],
          basicUsers: [{ user: 'alice', role: 'operator', password: 'correct:horse:battery' }],
          upstreamHeader: 'X-Forwarded-User',
          upstreamOperators: ['bob', 'carol'],
          trustedProxies: ['10.0.0.2'],
        },
      },
    });
  });

  it('keeps DASHBOARD_TRUSTED_PROXIES without an upstream header: it keys the sign-in limit (#14)', () => {
    const r = httpOptionsFromEnv({
      ...base,
      DASHBOARD_TOKENS: `operator:${token}`,
      DASHBOARD_TRUSTED_PROXIES: '10.0.0.2, 10.0.0.3',
    });
    expect(r.ok && r.options.auth?.trustedProxies).toEqual(['10.0.0.2', '10.0.0.3']);
  });

  it('lists every problem without quoting a secret', () => {
    const r = httpOptionsFromEnv({
      ...base,
      DASHBOARD_TOKENS: 'admin:short-secret,viewer:tiny',
      DASHBOARD_BASIC_USERS: 'alice:root:hunter2',
      DASHBOARD_OPERATORS: 'bob',
    });
    expect(r.ok).toBe(false);
    const problems = r.ok ? [] : r.problems;
    expect(problems).toHaveLength(4);
    expect(problems.join('\n')).not.toMatch(/short-secret|tiny|hunter2/);
  });

  it('reads DASHBOARD_ALLOWED_HOSTS and refuses an entry with a port or a path (#14)', () => {
    const ok = httpOptionsFromEnv({
      DASHBOARD_HOST: '127.0.0.1',
      DASHBOARD_PORT: 3000,
      DASHBOARD_ALLOWED_HOSTS: 'ops.example.com, [::1]',
    });
    expect(ok.ok && ok.options.allowedHosts).toEqual(['ops.example.com', '[::1]']);
    const bad = httpOptionsFromEnv({
      DASHBOARD_HOST: '127.0.0.1',
      DASHBOARD_PORT: 3000,
      DASHBOARD_ALLOWED_HOSTS: 'ops.example.com:443,a/b',
    });
    expect(bad.ok ? [] : bad.problems).toHaveLength(2);
  });

  it.each([
    ['24 random characters', '3f9c1a7e5b2d8f0a6c4e1b9d'],
    ['a repeated character', 'a'.repeat(40)],
    ['two characters', 'ab'.repeat(20)],
  ])('refuses a bearer token of %s (#14)', (_, weak) => {
    const r = httpOptionsFromEnv({ ...base, DASHBOARD_TOKENS: `viewer:${weak}` });
    expect(r.ok ? [] : r.problems).toEqual([expect.stringMatching(/^DASHBOARD_TOKENS entry 1: /)]);
  });

  it.each(['Host', 'Authorization', 'Cookie', 'X-Forwarded-For', 'x forwarded user'])(
    'refuses %j as the upstream user header (#14)',
    (header) => {
      const r = httpOptionsFromEnv({
        ...base,
        DASHBOARD_UPSTREAM_USER_HEADER: header,
        DASHBOARD_TRUSTED_PROXIES: '10.0.0.2',
      });
      expect(r.ok ? [] : r.problems).toEqual([expect.stringMatching(/^DASHBOARD_UPSTREAM_USER_HEADER /)]);
    },
  );

  it('refuses an upstream header beyond loopback without DASHBOARD_TRUSTED_PROXIES (#14)', () => {
    const r = httpOptionsFromEnv({ ...base, DASHBOARD_UPSTREAM_USER_HEADER: 'X-Forwarded-User' });
    expect(r.ok ? [] : r.problems).toEqual([expect.stringMatching(/needs DASHBOARD_TRUSTED_PROXIES/)]);
    expect(
      httpOptionsFromEnv({ ...base, DASHBOARD_HOST: '127.0.0.1', DASHBOARD_UPSTREAM_USER_HEADER: 'X-Forwarded-User' })
        .ok,
    ).toBe(true);
  });
});
