import type { SyncError } from '../../src/errors.ts';

export type AccountOutcome = { ok: true; accountId: string } | { ok: false; error: SyncError };

/** What a batch gets for its customer keys before it queries or creates anything. */
export interface Acquired {
  /** Ids already resolved: from the cache or from a concurrent batch that just resolved them. */
  known: Map<string, string>;
  /** Keys a concurrent batch failed to create (record-level): that batch's error. */
  failed: Map<string, SyncError>;
  /** Keys this batch now owns: it must `settle` each one (or `release` them) when done. */
  claimed: string[];
}

/** Default bound of the id cache: ~50k keys of <= 100 chars (hashed beyond) stay well under 20 MB. */
const ACCOUNT_CACHE_SIZE = 50_000;

/**
 * Process-local memory of one CRM org's customer accounts, by match key: an LRU of resolved account
 * ids (later batches skip the lookup query), and the resolutions in flight, so concurrent batches
 * never query or create the same customer twice. A batch waits for the keys other batches own
 * *before* it claims any, and never waits once it holds claims: no two batches wait on each other.
 */
export class AccountDirectory {
  private readonly ids = new Map<string, string>();
  private readonly inFlight = new Map<
    string,
    { promise: Promise<AccountOutcome | undefined>; resolve: (o: AccountOutcome | undefined) => void }
  >();

  constructor(private readonly maxEntries = ACCOUNT_CACHE_SIZE) {}

  get size(): number {
    return this.ids.size;
  }

  /** The cached id (refreshed as most recently used). */
  get(key: string): string | undefined {
    const id = this.ids.get(key);
    if (id !== undefined) {
      this.ids.delete(key);
      this.ids.set(key, id);
    }
    return id;
  }

  remember(key: string, accountId: string): void {
    this.ids.delete(key);
    this.ids.set(key, accountId);
    while (this.ids.size > this.maxEntries) {
      const oldest = this.ids.keys().next();
      if (oldest.done) break;
      this.ids.delete(oldest.value);
    }
  }

  /** Drops a cached id that may be stale (its account was deleted or merged by a human). */
  forget(key: string): void {
    this.ids.delete(key);
  }

  async acquire(keys: Iterable<string>): Promise<Acquired> {
    const known = new Map<string, string>();
    const failed = new Map<string, SyncError>();
    const pending = new Set(keys);
    for (;;) {
      const waits: Promise<[string, AccountOutcome | undefined]>[] = [];
      for (const key of pending) {
        const id = this.get(key);
        if (id !== undefined) {
          known.set(key, id);
          pending.delete(key);
          continue;
        }
        const other = this.inFlight.get(key);
        if (other) waits.push(other.promise.then((o) => [key, o]));
      }
      if (waits.length === 0) break;
      for (const [key, outcome] of await Promise.all(waits)) {
        // undefined: the owner gave up (its call failed as a whole); the key is free again.
        if (outcome === undefined) continue;
        pending.delete(key);
        if (outcome.ok) known.set(key, outcome.accountId);
        else failed.set(key, outcome.error);
      }
    }
    for (const key of pending) {
      let resolve: (o: AccountOutcome | undefined) => void = () => undefined;
      const promise = new Promise<AccountOutcome | undefined>((r) => {
        resolve = r;
      });
      this.inFlight.set(key, { promise, resolve });
    }
    return { known, failed, claimed: [...pending] };
  }

  /** Ends this batch's claim on `key`; a success is cached and handed to the batches waiting. */
  settle(key: string, outcome: AccountOutcome): void {
    if (outcome.ok) this.remember(key, outcome.accountId);
    this.finish(key, outcome);
  }

  /** Gives up claims not settled (the call failed as a whole): waiting batches try themselves. */
  release(keys: Iterable<string>): void {
    for (const key of keys) this.finish(key, undefined);
  }

  private finish(key: string, outcome: AccountOutcome | undefined): void {
    const entry = this.inFlight.get(key);
    if (!entry) return;
    this.inFlight.delete(key);
    entry.resolve(outcome);
  }
}
