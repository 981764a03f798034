/*
 * DNS rebinding guard (issue 14). A page on attacker.example can re-point its own name at
 * 127.0.0.1; the browser then treats our dashboard as same-origin with the attacker's page and
 * sends `Host: attacker.example:PORT`. Only names we answer to are accepted: the loopback names,
 * the address the server is bound to, and DASHBOARD_ALLOWED_HOSTS (the public names a proxy
 * forwards). The port is ignored: rebinding changes the name, and a proxy may change the port.
 */

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

/** The host name of a Host (or X-Forwarded-Host) value, lower case, without the port. */
export function hostName(value: string): string | null {
  const v = value.trim().toLowerCase();
  const m = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::\d{1,5})?$/.exec(v);
  return m?.[1] ?? null;
}

/** The names a request may carry, from the bind address and the configured list. */
export function allowedHostNames(bindHost: string, configured: readonly string[]): Set<string> {
  // A bare address is no name a rebinding attacker controls. For a wildcard bind (0.0.0.0), the
  // names clients use must be configured.
  const bound = bindHost.includes(':') ? `[${bindHost.toLowerCase()}]` : bindHost.toLowerCase();
  return new Set([...LOOPBACK_NAMES, bound, ...configured.map((h) => h.trim().toLowerCase())]);
}

/**
 * True when every host header of the request names an allowed host. X-Forwarded-Host is checked
 * too: same-origin.ts trusts it over Host, and a rebound page can set it on its own requests.
 */
export function isAllowedHost(
  headers: Readonly<Record<string, string | undefined>>,
  allowed: ReadonlySet<string>,
): boolean {
  const host = headers.host;
  if (host === undefined) return false;
  for (const value of [host, ...(headers['x-forwarded-host'] ?? '').split(',').filter((v) => v.trim() !== '')]) {
    const name = hostName(value);
    if (name === null || !allowed.has(name)) return false;
  }
  return true;
}
