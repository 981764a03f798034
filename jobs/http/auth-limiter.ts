/*
 * Failed sign-ins per client (issue 14): after `maxFailures` wrong credentials within `windowMs`
 * from one peer address, its requests get 429 until the window has passed, so passwords and
 * tokens cannot be guessed at network speed. In memory: one process serves the dashboard, and a
 * restart only gives an attacker one more window.
 */

export interface AuthLimiter {
  /** Milliseconds until `client` may try again; 0 when it may now. */
  blockedForMs(client: string): number;
  /** Records one failed attempt by `client`. */
  failed(client: string): void;
}

export function createAuthLimiter(
  o: { maxFailures?: number; windowMs?: number; now?: () => number } = {},
): AuthLimiter {
  const maxFailures = o.maxFailures ?? 10;
  const windowMs = o.windowMs ?? 60_000;
  const now = o.now ?? Date.now;
  const failures = new Map<string, number[]>();
  const recent = (client: string, t: number): number[] => {
    const list = (failures.get(client) ?? []).filter((at) => at > t - windowMs);
    if (list.length === 0) failures.delete(client);
    else failures.set(client, list);
    return list;
  };
  return {
    blockedForMs(client) {
      const t = now();
      const list = recent(client, t);
      return list.length >= maxFailures ? (list[list.length - maxFailures] ?? t) + windowMs - t : 0;
    },
    failed(client) {
      const t = now();
      // Bounded memory: a flood from many addresses forgets the oldest clients first.
      if (failures.size >= 10_000 && !failures.has(client)) {
        const oldest = failures.keys().next().value;
        if (oldest !== undefined) failures.delete(oldest);
      }
      failures.set(client, [...recent(client, t), t].slice(-maxFailures));
    },
  };
}
