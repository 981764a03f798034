import { isIP } from 'node:net';

/**
 * The address a failed sign-in is counted against (issue 14). Behind a reverse proxy every
 * request comes from the proxy's socket, so one client with a stale token used to lock everyone
 * out for a minute. When the peer is a listed proxy (DASHBOARD_TRUSTED_PROXIES), the client is the
 * right-most `X-Forwarded-For` entry that is not itself a listed proxy: each proxy appends the
 * address it saw, so entries to the left of it may be forged by the client and are never used.
 * Anything else (no list, an unlisted peer, a missing or malformed header) keys on the peer.
 *
 * The rule is proxy-addr's (express's `trust proxy`); written out because turning on `trust proxy`
 * would also change req.hostname and req.protocol for every route, bull-board's included.
 */
export function clientAddress(
  peer: string | undefined,
  forwardedFor: string | undefined,
  trustedProxies: readonly string[],
): string {
  const socket = peer ?? 'unknown';
  const trusted = (address: string) => trustedProxies.includes(address.replace(/^::ffff:/, ''));
  if (trustedProxies.length === 0 || !trusted(socket) || forwardedFor === undefined) return socket;
  const hops = forwardedFor.split(',').map((a) => a.trim());
  for (let i = hops.length - 1; i >= 0; i -= 1) {
    const hop = hops[i] ?? '';
    if (isIP(hop) === 0) return socket;
    if (!trusted(hop)) return hop.replace(/^::ffff:/, '');
  }
  return socket;
}
