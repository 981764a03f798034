import { describe, expect, it } from 'vitest';
import { AuthError, RateLimitedError } from '../../src/errors.ts';
import { createCredentialTracker, instrumentPort } from './instrument.ts';
import { createMetrics } from './metrics.ts';

const port = {
  kind: 'salesforce' as const,
  async ok(n: number) {
    return n * 2;
  },
  async limited(): Promise<void> {
    throw new RateLimitedError('429 Too Many Requests', { retryAfterMs: 1000 });
  },
  async signedOut(): Promise<void> {
    throw new AuthError('salesforce: refresh token revoked; sign in again');
  },
  async *pages() {
    yield 1;
    throw new AuthError('partner-center: sign-in expired');
  },
};

describe('instrumentPort', () => {
  it('counts calls, 429s and token failures per remote, and tracks credential health', async () => {
    const metrics = createMetrics();
    const tracker = createCredentialTracker(['salesforce'], () => new Date('2030-01-01T00:00:00Z'));
    expect(tracker.list()).toEqual([
      { name: 'salesforce', ok: true, reason: 'not checked yet', checkedAt: '2030-01-01T00:00:00.000Z' },
    ]);
    const p = instrumentPort('salesforce', port, metrics, tracker);
    expect(p.kind).toBe('salesforce');
    expect(await p.ok(21)).toBe(42);
    await expect(p.limited()).rejects.toBeInstanceOf(RateLimitedError);
    await expect(p.signedOut()).rejects.toBeInstanceOf(AuthError);
    expect(tracker.list()).toEqual([
      expect.objectContaining({
        name: 'salesforce',
        ok: false,
        reason: 'salesforce: refresh token revoked; sign in again',
      }),
    ]);
    const seen: number[] = [];
    await expect(async () => {
      for await (const n of p.pages()) seen.push(n);
    }).rejects.toBeInstanceOf(AuthError);
    expect(seen).toEqual([1]);

    const text = await metrics.registry.metrics();
    expect(text).toContain('referral_sync_api_calls_total{remote="salesforce"} 4');
    expect(text).toContain('referral_sync_api_rate_limited_total{remote="salesforce"} 1');
    expect(text).toContain('referral_sync_token_failures_total{connection="salesforce"} 2');
    await p.ok(1);
    expect(tracker.list()[0]).toMatchObject({ ok: true });
  });
});
