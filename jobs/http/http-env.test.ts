import { describe, expect, it } from 'vitest';
import { httpOptionsFromEnv } from './http-env.ts';

const base = { DASHBOARD_HOST: '0.0.0.0', DASHBOARD_PORT: 3000 };
const token = 'a'.repeat(32);

describe('httpOptionsFromEnv', () => {
  it('reads tokens, basic users and the upstream header', () => {
    const r = httpOptionsFromEnv({
      ...base,
      DASHBOARD_TOKENS: `prometheus@viewer:${token}, operator:${'b'.repeat(40)}`,
      DASHBOARD_BASIC_USERS: 'alice:operator:correct:horse:battery',
      DASHBOARD_UPSTREAM_USER_HEADER: 'X-Forwarded-User',
      DASHBOARD_OPERATORS: 'bob, carol',
      DASHBOARD_PUBLIC_METRICS: 'on',
    });
    expect(r).toEqual({
      ok: true,
      options: {
        host: '0.0.0.0', port: 3000, publicMetrics: true,
        auth: {
          bearerTokens: [{ token, role: 'viewer', name: 'prometheus' }, { token: 'b'.repeat(40), role: 'operator' }],
          basicUsers: [{ user: 'alice', role: 'operator', password: 'correct:horse:battery' }],
          upstreamHeader: 'X-Forwarded-User', upstreamOperators: ['bob', 'carol'],
        },
      },
    });
  });

  it('lists every problem without quoting a secret', () => {
    const r = httpOptionsFromEnv({ ...base, DASHBOARD_TOKENS: 'admin:short-secret,viewer:tiny', DASHBOARD_BASIC_USERS: 'alice:root:hunter2', DASHBOARD_OPERATORS: 'bob' });
    expect(r.ok).toBe(false);
    const problems = r.ok ? [] : r.problems;
    expect(problems).toHaveLength(4);
    expect(problems.join('\n')).not.toMatch(/short-secret|tiny|hunter2/);
  });

  it('reads DASHBOARD_ALLOWED_HOSTS and refuses an entry with a port or a path (#14)', () => {
    const ok = httpOptionsFromEnv({ DASHBOARD_HOST: '127.0.0.1', DASHBOARD_PORT: 3000, DASHBOARD_ALLOWED_HOSTS: 'ops.example.com, [::1]' });
    expect(ok.ok && ok.options.allowedHosts).toEqual(['ops.example.com', '[::1]']);
    const bad = httpOptionsFromEnv({ DASHBOARD_HOST: '127.0.0.1', DASHBOARD_PORT: 3000, DASHBOARD_ALLOWED_HOSTS: 'ops.example.com:443,a/b' });
    expect(bad.ok ? [] : bad.problems).toHaveLength(2);
  });
});
