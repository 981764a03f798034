import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { AuthError } from '../../src/errors.ts';
import { type FakePartnerCenter, startFakePartnerCenter } from '../../test/fakes/partner-center/server.ts';
import { createMemoryKeyValueStore } from '../shared/key-value-store.ts';
import {
  createDelegatedTokenProvider,
  type DelegatedAuthOptions,
  type DeviceCodePrompt,
  loginWithDeviceCode,
} from './delegated-auth.ts';

const SCOPE = 'https://api.partner.microsoft.com/.default';
let fake: FakePartnerCenter;
let dir: string;

beforeAll(async () => {
  fake = await startFakePartnerCenter({ clientId: 'pc-client' });
  dir = await mkdtemp(join(tmpdir(), 'rs-auth-'));
});
afterAll(async () => {
  await fake.close();
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => {
  vi.useRealTimers();
});

const options = (file: string, key = randomBytes(32).toString('base64')): DelegatedAuthOptions => ({
  ...fake.msalMetadata(),
  clientId: 'pc-client',
  scope: SCOPE,
  tokenCache: { key, location: { kind: 'file', path: join(dir, file) } },
});

describe('delegated sign-in (device code) against the fake', () => {
  it('logs in, stores the cache encrypted, then renews silently and via the refresh token', async () => {
    const opts = options('a/cache.enc');
    const prompts: DeviceCodePrompt[] = [];
    const before = { ...fake.counters };
    const who = await loginWithDeviceCode(opts, { onPrompt: (p) => prompts.push(p) });
    expect(who.username).toBe('referrals.admin@northwind.example');
    expect(prompts).toHaveLength(1);
    expect(prompts[0]?.verificationUri).toBe(`${fake.url}/devicelogin`);
    expect(fake.counters.devicecode - before.devicecode).toBe(1);

    const [loginToken] = fake.issuedAccessTokens().slice(-1);
    const file = join(dir, 'a/cache.enc');
    const blob = await readFile(file, 'utf8');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(blob.startsWith('rsc1.')).toBe(true);
    expect(blob).not.toContain(loginToken);
    expect(blob).not.toMatch(/fake-rt-|refresh_token|secret|Referrals Admin/i);

    // A new process (new provider instance) reads the file and gets the cached token silently.
    const tokenCalls = fake.counters.token;
    const provider = createDelegatedTokenProvider(opts);
    await expect(provider.getAccessToken()).resolves.toBe(loginToken);
    expect(fake.counters.token).toBe(tokenCalls);

    // Two hours later the access token has expired: msal redeems the refresh token.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 2 * 3_600_000);
    const renewed = await createDelegatedTokenProvider(opts).getAccessToken();
    expect(renewed).not.toBe(loginToken);
    expect(fake.counters.token).toBe(tokenCalls + 1);
    expect(fake.issuedAccessTokens()).toContain(renewed);
    expect(fake.counters.other).toBe(0); // msal made no discovery calls, only token posts
  });

  it('a token the API rejected before its expiry is replaced via the refresh token, not served from the cache', async () => {
    const opts = options('rejected/cache.enc');
    await loginWithDeviceCode(opts, { onPrompt: () => undefined });
    const provider = createDelegatedTokenProvider(opts);
    const first = await provider.getAccessToken();
    const tokenCalls = fake.counters.token;
    const renewed = await provider.getAccessToken(first);
    expect(renewed).not.toBe(first);
    expect(fake.counters.token).toBe(tokenCalls + 1);
    // The renewed token is reused; asking with the old rejected one again does not sign in again.
    expect(await provider.getAccessToken()).toBe(renewed);
    expect(await provider.getAccessToken(first)).toBe(renewed);
    expect(fake.counters.token).toBe(tokenCalls + 1);
  });

  it('without a login raises AuthError telling the admin to run `referral-sync login`', async () => {
    const provider = createDelegatedTokenProvider(options('none/cache.enc'));
    const err = await provider.getAccessToken().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect((err as Error).message).toContain('referral-sync login');
  });

  it('a revoked refresh token (invalid_grant) raises AuthError telling the admin to log in again', async () => {
    const opts = options('revoked/cache.enc');
    await loginWithDeviceCode(opts, { onPrompt: () => undefined });
    fake.revokeRefreshTokens();
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 2 * 3_600_000);
    const err = await createDelegatedTokenProvider(opts)
      .getAccessToken()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect((err as Error).message).toContain('referral-sync login');
  });

  it('a wrong TOKEN_CACHE_KEY raises a clear AuthError', async () => {
    const opts = options('wrong-key/cache.enc');
    await loginWithDeviceCode(opts, { onPrompt: () => undefined });
    const other = { ...opts, tokenCache: { ...opts.tokenCache, key: randomBytes(32).toString('hex') } };
    const err = await createDelegatedTokenProvider(other)
      .getAccessToken()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect((err as Error).message).toMatch(/TOKEN_CACHE_KEY/);
  });

  it('waits for approval when the fake does not auto-approve, and stores in a key-value store', async () => {
    const manual = await startFakePartnerCenter({ autoApproveDeviceCode: false });
    try {
      const kv = createMemoryKeyValueStore();
      const opts: DelegatedAuthOptions = {
        ...manual.msalMetadata('contoso.example'),
        clientId: 'pc-client',
        scope: SCOPE,
        tokenCache: { key: randomBytes(32).toString('base64'), location: { kind: 'kv', store: kv } },
      };
      const login = loginWithDeviceCode(opts, {
        onPrompt: (p) => setTimeout(() => manual.approveDeviceCode(p.userCode), 150),
      });
      await expect(login).resolves.toMatchObject({ username: 'referrals.admin@northwind.example' });
      expect(manual.counters.token).toBeGreaterThan(1); // polled while pending
      expect(kv.data.get('msal-cache')).toMatch(/^rsc1\./);
      const token = await createDelegatedTokenProvider(opts).getAccessToken();
      expect(manual.issuedAccessTokens()).toContain(token);
    } finally {
      await manual.close();
    }
  });
});
