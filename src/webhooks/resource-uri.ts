/*
 * Referral events carry `ResourceUri: https://api.partnercenter.microsoft.com/engagements/v1/referrals/{id}`
 * (docs/partner-center-webhooks.md, "Events"). We only take the id out of it and fetch the
 * referral through our own configured client, so the URI is never requested; it is still checked
 * strictly so a malformed event is refused instead of queuing a fetch of something odd.
 */

/** The host in Microsoft's documented examples. */
export const DEFAULT_RESOURCE_HOSTS: readonly string[] = ['api.partnercenter.microsoft.com'];

const REFERRAL_PATH = /^\/engagements\/v1\/referrals\/([A-Za-z0-9][A-Za-z0-9_-]{0,127})$/;

export type ReferralIdResult = { ok: true; referralId: string } | { ok: false; reason: string };

/**
 * Pure. Accepts exactly `<scheme>://<allowed host>/engagements/v1/referrals/<id>` with no port,
 * credentials, query or fragment. http is accepted besides https because Microsoft's own samples
 * mix the two and the URI is never dereferenced (the event's authenticity comes from its signature).
 */
export function referralIdFromResourceUri(
  uri: string,
  allowedHosts: readonly string[] = DEFAULT_RESOURCE_HOSTS,
): ReferralIdResult {
  // Percent-escapes, backslashes and dot segments would be normalised away by URL; a genuine
  // event has none, so their presence alone makes the URI malformed.
  if (/[%\\\s]|\/\.\.?(\/|$)/.test(uri)) return { ok: false, reason: 'ResourceUri is not in canonical form' };
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    return { ok: false, reason: 'ResourceUri is not an absolute URL' };
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return { ok: false, reason: 'ResourceUri must be http(s)' };
  if (u.username !== '' || u.password !== '') return { ok: false, reason: 'ResourceUri must not carry credentials' };
  if (u.port !== '') return { ok: false, reason: 'ResourceUri must not name a port' };
  if (!allowedHosts.includes(u.hostname))
    return { ok: false, reason: 'ResourceUri host is not a Partner Center API host' };
  if (u.search !== '' || u.hash !== '' || uri.includes('?') || uri.includes('#')) {
    return { ok: false, reason: 'ResourceUri must not have a query or fragment' };
  }
  const m = REFERRAL_PATH.exec(u.pathname);
  if (!m?.[1]) return { ok: false, reason: 'ResourceUri is not a referral URI (/engagements/v1/referrals/{id})' };
  return { ok: true, referralId: m[1] };
}
