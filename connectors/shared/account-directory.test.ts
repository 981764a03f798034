import { describe, expect, it } from 'vitest';
import { RetryableError } from '../../src/errors.ts';
import { AccountDirectory } from './account-directory.ts';

/** Resolves after pending promise callbacks have run. */
const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

describe('AccountDirectory', () => {
  it('keeps at most maxEntries ids, dropping the least recently used', () => {
    const d = new AccountDirectory(3);
    d.remember('a', '001A');
    d.remember('b', '001B');
    d.remember('c', '001C');
    expect(d.get('a')).toBe('001A'); // a is now the most recent
    d.remember('d', '001D');
    expect(d.size).toBe(3);
    expect(d.get('b')).toBeUndefined();
    expect([d.get('a'), d.get('c'), d.get('d')]).toEqual(['001A', '001C', '001D']);
    d.forget('c');
    expect(d.get('c')).toBeUndefined();
  });

  it('answers cached keys and claims the others', async () => {
    const d = new AccountDirectory();
    d.remember('known', '001K');
    const got = await d.acquire(['known', 'new']);
    expect(got).toEqual({ known: new Map([['known', '001K']]), failed: new Map(), claimed: ['new'] });
  });

  it('makes a second batch wait for the owner and share its outcome', async () => {
    const d = new AccountDirectory();
    const owner = await d.acquire(['x', 'y']);
    expect(owner.claimed).toEqual(['x', 'y']);
    let second: Awaited<ReturnType<AccountDirectory['acquire']>> | undefined;
    void d.acquire(['x', 'y']).then((a) => (second = a));
    await tick();
    expect(second).toBeUndefined();
    const error = new RetryableError('salesforce Account UNABLE_TO_LOCK_ROW');
    d.settle('x', { ok: true, accountId: '001X' });
    d.settle('y', { ok: false, error });
    await tick();
    expect(second).toEqual({ known: new Map([['x', '001X']]), failed: new Map([['y', error]]), claimed: [] });
    expect(d.get('x')).toBe('001X');
    expect(d.get('y')).toBeUndefined(); // failures are not cached
  });

  it('hands released claims to the waiting batch', async () => {
    const d = new AccountDirectory();
    await d.acquire(['x']);
    const waiting = d.acquire(['x']);
    d.release(['x']);
    expect((await waiting).claimed).toEqual(['x']);
  });

  it('never claims while it waits, so two batches cannot wait on each other', async () => {
    const d = new AccountDirectory();
    await d.acquire(['x']); // batch A owns x
    let c: Awaited<ReturnType<AccountDirectory['acquire']>> | undefined;
    void d.acquire(['x', 'z']).then((a) => (c = a)); // batch C waits for x, holding nothing
    await tick();
    const dBatch = await d.acquire(['z']); // so batch D gets z at once
    expect(dBatch.claimed).toEqual(['z']);
    d.settle('x', { ok: true, accountId: '001X' });
    await tick();
    expect(c).toBeUndefined(); // now waiting for z, still holding nothing
    d.settle('z', { ok: true, accountId: '001Z' });
    await tick();
    expect(c).toEqual({
      known: new Map([
        ['x', '001X'],
        ['z', '001Z'],
      ]),
      failed: new Map(),
      claimed: [],
    });
  });
});
