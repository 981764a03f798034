/*
 * CSRF guard for every state-changing request (our Replay form and bull-board's admin API):
 * browsers send Origin (and Sec-Fetch-Site) on cross-site POSTs, so one from another site is
 * refused. A request with neither header is not from a browser page (curl, Prometheus), and so
 * carries no ambient credentials an attacker could borrow.
 */

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function isCrossSiteWrite(method: string, headers: Readonly<Record<string, string | undefined>>): boolean {
  if (SAFE_METHODS.has(method.toUpperCase())) return false;
  const site = headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return true;
  const origin = headers.origin;
  if (origin === undefined) return false;
  if (origin === 'null') return true; // sandboxed frames and some redirects: origin unknown
  const host = headers['x-forwarded-host'] ?? headers.host;
  try {
    return new URL(origin).host !== host;
  } catch {
    return true;
  }
}
