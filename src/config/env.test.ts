import { describe, expect, it } from 'vitest';
import { parseAdminEnv, parseEnv } from './env.ts';

const key = Buffer.alloc(32, 7).toString('base64');
const good = {
  PARTNER_CENTER_CLIENT_ID: 'app-id',
  TOKEN_CACHE_KEY: key,
  SALESFORCE_CLIENT_ID: 'sf-id',
  SALESFORCE_USERNAME: 'sync@example.com',
  SALESFORCE_PRIVATE_KEY_FILE: '/run/secrets/sf.pem',
};

describe('parseEnv', () => {
  it('accepts a minimal delegated + Salesforce JWT setup and fills defaults', () => {
    const r = parseEnv(good);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.env.PARTNER_CENTER_API_URL).toBe('https://api.partner.microsoft.com');
    expect(r.env.ENTRA_AUTHORITY_HOST).toBe('https://login.microsoftonline.com');
    expect(r.env.PULL_INTERVAL_MS).toBe(300_000);
  });

  it('reads FAILURE_ALERTS as kinds: all by default, a list, or off; an unknown kind is a problem (#18)', () => {
    const kinds = (v?: string) => {
      const r = parseEnv(v === undefined ? good : { ...good, FAILURE_ALERTS: v });
      return r.ok ? r.env.FAILURE_ALERTS : r.problems;
    };
    expect(kinds()).toEqual(['parked', 'credentials', 'state-loss', 'stuck', 'throttled']);
    expect(kinds('stuck,parked')).toEqual(['parked', 'stuck']);
    expect(kinds('off')).toEqual([]);
    expect(kinds('parked,typo')).toEqual([expect.stringMatching(/^FAILURE_ALERTS must be 'all', 'off' or/)]);
  });

  it('reads ENTRA_KNOWN_AUTHORITIES as a list of hosts, empty by default (#15)', () => {
    const none = parseEnv(good);
    const two = parseEnv({ ...good, ENTRA_KNOWN_AUTHORITIES: ' login.contoso.example, 127.0.0.1:8443 ,' });
    expect(none.ok && none.env.ENTRA_KNOWN_AUTHORITIES).toEqual([]);
    expect(two.ok && two.env.ENTRA_KNOWN_AUTHORITIES).toEqual(['login.contoso.example', '127.0.0.1:8443']);
    const url = parseEnv({ ...good, ENTRA_KNOWN_AUTHORITIES: 'https://login.contoso.example/' });
    expect(url.ok ? [] : url.problems.join('\n')).toMatch(/ENTRA_KNOWN_AUTHORITIES/);
  });

  it('lists every problem by variable name', () => {
    const r = parseEnv({
      PULL_INTERVAL_MS: 'soon',
      PARTNER_CENTER_API_URL: 'not a url',
      SALESFORCE_AUTH: 'client_credentials',
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const names = r.problems.map((p) => p.split(' ')[0]);
    expect(names).toEqual(
      expect.arrayContaining([
        'PULL_INTERVAL_MS',
        'PARTNER_CENTER_API_URL',
        'PARTNER_CENTER_CLIENT_ID',
        'TOKEN_CACHE_KEY',
        'SALESFORCE_CLIENT_ID',
        'SALESFORCE_CLIENT_SECRET',
        'SALESFORCE_INSTANCE_URL',
      ]),
    );
  });

  it('never repeats a secret value in its messages', () => {
    const secret = 'super-secret-value-123';
    const r = parseEnv({
      ...good,
      TOKEN_CACHE_KEY: secret,
      PARTNER_CENTER_AUTH: 'app',
      PARTNER_CENTER_CLIENT_SECRET: secret,
      LOG_LEVEL: secret,
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.join('\n')).not.toContain(secret);
    expect(r.problems.some((p) => p.startsWith('TOKEN_CACHE_KEY'))).toBe(true);
  });

  it('REDIS_CLUSTER: off by default; on, it needs a hash tag in REDIS_PREFIX', () => {
    const off = parseEnv(good);
    expect(off.ok && off.env.REDIS_CLUSTER).toBe(false);
    const untagged = parseEnv({ ...good, REDIS_CLUSTER: 'true' });
    expect(untagged.ok ? [] : untagged.problems).toEqual([
      expect.stringMatching(/^REDIS_PREFIX must hold a hash tag such as \{rsync\} when REDIS_CLUSTER=true/),
    ]);
    const tagged = parseEnv({ ...good, REDIS_CLUSTER: 'true', REDIS_PREFIX: '{rsync}' });
    expect(tagged.ok && tagged.env.REDIS_CLUSTER).toBe(true);
    const wrong = parseEnv({ ...good, REDIS_CLUSTER: 'yes' });
    expect(wrong.ok ? [] : wrong.problems).toEqual([expect.stringMatching(/^REDIS_CLUSTER/)]);
  });

  it('requires a client secret for app-only auth', () => {
    const r = parseEnv({ ...good, PARTNER_CENTER_AUTH: 'app' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems).toContain('PARTNER_CENTER_CLIENT_SECRET is required when PARTNER_CENTER_AUTH=app');
  });

  it('treats empty values as unset', () => {
    const r = parseEnv({ ...good, PARTNER_CENTER_API_URL: '' });
    expect(r.ok && r.env.PARTNER_CENTER_API_URL).toBe('https://api.partner.microsoft.com');
  });
});

describe('URLs the worker sends credentials or customer data to (#14)', () => {
  it.each([
    ['PARTNER_CENTER_API_URL', 'http://api.partner.example', false],
    ['ENTRA_AUTHORITY_HOST', 'http://login.example', false],
    ['SALESFORCE_LOGIN_URL', 'http://login.salesforce.com', false],
    ['ALERT_WEBHOOK_URL', 'http://hooks.example/x', false],
    ['ALERT_WEBHOOK_URL', 'ftp://hooks.example/x', false],
    ['ALERT_WEBHOOK_URL', 'http://127.0.0.1:9000/x', true],
    ['PARTNER_CENTER_API_URL', 'http://localhost:4010', true],
    ['PARTNER_CENTER_API_URL', 'https://api.partner.example', true],
  ])('%s=%s → %s', (name, value, ok) => {
    const r = parseEnv({ ...good, [name]: value });
    expect(r.ok ? [] : r.problems.filter((p) => p.startsWith(name))).toHaveLength(ok ? 0 : 1);
  });
});

it('bounds PARTNER_CENTER_WEBHOOK_MAX_AGE_MS by the completed-job retention that detects replays (#14)', () => {
  expect(parseEnv({ ...good, PARTNER_CENTER_WEBHOOK_MAX_AGE_MS: String(8 * 24 * 3_600_000) }).ok).toBe(false);
  expect(parseEnv({ ...good, PARTNER_CENTER_WEBHOOK_MAX_AGE_MS: String(24 * 3_600_000) }).ok).toBe(true);
});

describe('parseAdminEnv (the Redis-only commands, #18)', () => {
  it('needs no CRM or Partner Center setting', () => {
    const r = parseAdminEnv({ REDIS_URL: 'redis://10.0.0.5:6380', REDIS_PREFIX: 'demo' });
    expect(r.ok && { url: r.env.REDIS_URL, prefix: r.env.REDIS_PREFIX }).toEqual({
      url: 'redis://10.0.0.5:6380',
      prefix: 'demo',
    });
  });

  it('still checks the Redis settings, including the cluster hash tag', () => {
    const r = parseAdminEnv({ REDIS_URL: 'http://x', REDIS_CLUSTER: 'true', REDIS_PREFIX: 'plain' });
    expect(r.ok ? [] : r.problems.map((p) => p.split(' ')[0])).toEqual(['REDIS_URL', 'REDIS_PREFIX']);
  });
});
