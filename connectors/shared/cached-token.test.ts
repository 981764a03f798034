import { describe, expect, it } from 'vitest';
import { RetryableError } from '../../src/errors.ts';
import { cachedTokenProvider, type IssuedToken } from './cached-token.ts';

const never = new Promise<IssuedToken>(() => undefined);
const inAnHour = () => new Date(Date.now() + 3_600_000);

describe('cachedTokenProvider: a hung renewal (issue 12)', () => {
  it('fails every waiter with a RetryableError at the deadline', async () => {
    const provider = cachedTokenProvider(() => never, { deadlineMs: 50 });
    const waiters = await Promise.allSettled([
      provider.getAccessToken(),
      provider.getAccessToken(),
      provider.getAccessToken(),
    ]);
    for (const w of waiters) {
      expect(w.status).toBe('rejected');
      expect((w as PromiseRejectedResult).reason).toBeInstanceOf(RetryableError);
      expect(String((w as PromiseRejectedResult).reason)).toMatch(/did not finish within 50 ms \(timeout\)/);
    }
  });

  it('starts a fresh renewal on the next call after the deadline', async () => {
    const answers = [never, Promise.resolve({ accessToken: 'second', expiresOn: inAnHour() })];
    let issued = 0;
    const provider = cachedTokenProvider(() => answers[issued++] ?? never, { deadlineMs: 50 });
    await expect(provider.getAccessToken()).rejects.toBeInstanceOf(RetryableError);
    expect(await provider.getAccessToken()).toBe('second');
    expect(issued).toBe(2);
  });

  it('drops the late token of an abandoned renewal', async () => {
    let finishLate: (t: IssuedToken) => void = () => undefined;
    const late = new Promise<IssuedToken>((resolve) => {
      finishLate = resolve;
    });
    const answers = [late, Promise.resolve({ accessToken: 'fresh', expiresOn: inAnHour() })];
    let issued = 0;
    const provider = cachedTokenProvider(() => answers[issued++] ?? never, { deadlineMs: 50 });
    await expect(provider.getAccessToken()).rejects.toBeInstanceOf(RetryableError);
    finishLate({ accessToken: 'late', expiresOn: inAnHour() });
    await late;
    expect(await provider.getAccessToken()).toBe('fresh');
  });
});
