import { AuthError, RateLimitedError } from '../../src/errors.ts';
import { scrubText } from '../../src/log/logger.ts';
import type { Metrics } from './metrics.ts';
import type { CredentialStatus } from './source.ts';

/** Remembers the last sign-in outcome per connection: a ready-made credential health provider. */
export interface CredentialTracker {
  ok(name: string): void;
  failed(name: string, reason: string, pausedQueues?: readonly string[]): void;
  list(): CredentialStatus[];
}

export function createCredentialTracker(
  names: readonly string[] = [],
  now: () => Date = () => new Date(),
): CredentialTracker {
  const byName = new Map<string, CredentialStatus>();
  // Until a call proves otherwise, a connection is assumed fine (shown as "not checked yet").
  for (const name of names)
    byName.set(name, { name, ok: true, reason: 'not checked yet', checkedAt: now().toISOString() });
  return {
    ok: (name) => byName.set(name, { name, ok: true, checkedAt: now().toISOString() }),
    failed: (name, reason, pausedQueues) =>
      byName.set(name, {
        name,
        ok: false,
        reason: scrubText(reason),
        checkedAt: now().toISOString(),
        ...(pausedQueues ? { pausedQueues } : {}),
      }),
    list: () => [...byName.values()],
  };
}

type Hooks = Pick<Metrics, 'apiCall' | 'rateLimited' | 'tokenFailure'>;

function observeError(remote: string, err: unknown, hooks: Hooks, tracker: CredentialTracker | undefined): void {
  if (err instanceof RateLimitedError) hooks.rateLimited(remote);
  if (err instanceof AuthError) {
    hooks.tokenFailure(remote);
    tracker?.failed(remote, err.message);
  }
}

function wrapIterable(
  remote: string,
  it: AsyncIterable<unknown>,
  hooks: Hooks,
  tracker: CredentialTracker | undefined,
): AsyncIterable<unknown> {
  return {
    [Symbol.asyncIterator]() {
      const inner = it[Symbol.asyncIterator]();
      return {
        async next() {
          try {
            const r = await inner.next();
            if (!r.done) tracker?.ok(remote);
            return r;
          } catch (err) {
            observeError(remote, err, hooks, tracker);
            throw err;
          }
        },
        return: async (value?: unknown) => (inner.return ? inner.return(value) : { done: true as const, value }),
      };
    },
  };
}

const isAsyncIterable = (v: unknown): v is AsyncIterable<unknown> =>
  typeof v === 'object' && v !== null && Symbol.asyncIterator in v && !(v instanceof Promise);

/**
 * Wraps a port (PartnerCenterClient, a CRM connector): every method call counts as an API call
 * of `remote`; RateLimitedError counts a 429, AuthError a token failure and marks the connection
 * unhealthy; a success marks it healthy. Counts port operations: one call may be several HTTP
 * requests (paging), so an exact per-request count needs `metrics.apiCall` in the transport.
 */
export function instrumentPort<T extends object>(
  remote: string,
  port: T,
  hooks: Hooks,
  tracker?: CredentialTracker,
): T {
  return new Proxy(port, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        hooks.apiCall(remote);
        let result: unknown;
        try {
          result = Reflect.apply(value, target, args);
        } catch (err) {
          observeError(remote, err, hooks, tracker);
          throw err;
        }
        if (result instanceof Promise) {
          return result.then(
            (v: unknown) => {
              tracker?.ok(remote);
              return v;
            },
            (err: unknown) => {
              observeError(remote, err, hooks, tracker);
              throw err;
            },
          );
        }
        return isAsyncIterable(result) ? wrapIterable(remote, result, hooks, tracker) : result;
      };
    },
  });
}
