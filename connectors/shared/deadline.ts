/**
 * Settles with `work`, or rejects with `onTimeout()` once `ms` have passed, whichever is first.
 * The work itself is not cancelled (its own request timeout ends it); callers use this so that
 * everyone waiting on a shared renewal is released on time even when a layer below ignores its
 * timeout (a token cache plugin stuck on Redis, several sequential discovery requests).
 */
export function withDeadline<T>(work: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
    // The deadline alone must not keep a finished process alive.
    timer.unref();
  });
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}
