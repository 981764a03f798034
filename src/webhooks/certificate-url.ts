/*
 * Which certificate URLs we are willing to fetch. The URL comes from the request
 * (X-MS-Certificate-Url), i.e. from whoever sent it, so it is checked before any request is made:
 * otherwise the endpoint would fetch arbitrary URLs on an attacker's behalf (SSRF).
 */

/**
 * The storage account in Microsoft's webhook documentation (partner-center-webhooks, "Receiving
 * events": `X-MS-Certificate-Url: https://3psostorageacct.blob.core.windows.net/cert/…cer`, in the
 * 2018 and the 2023 versions). UNCONFIRMED that production signs only from there: if genuine events
 * are refused with "certificate host not allowed", add the host the logs name to the allow-list.
 * Never allow all of *.blob.core.windows.net: anyone can create a storage account there.
 */
export const DEFAULT_CERTIFICATE_HOSTS: readonly string[] = ['3psostorageacct.blob.core.windows.net'];

export interface CertificateUrlPolicy {
  /** Exact host names (no wildcards). */
  allowedHosts: readonly string[];
  /** Ports other than 443 that may be named explicitly (tests, a mirror); default none. */
  allowedPorts?: readonly number[] | undefined;
}

export const DEFAULT_CERTIFICATE_POLICY: CertificateUrlPolicy = { allowedHosts: DEFAULT_CERTIFICATE_HOSTS };

export type CertificateUrlResult = { ok: true; url: string } | { ok: false; reason: string };

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
/**
 * The path shape of the documented certificate URL (`/cert/<name>.cer`, same docs as above). Any
 * other path on an allowed host is refused (issue 14): a flood of distinct URLs there each cost an
 * outbound fetch, and a storage account can hold other blobs than the signing certificate.
 */
const CERTIFICATE_PATH = /^\/cert\/[A-Za-z0-9][A-Za-z0-9._-]{0,199}\.cer$/;
const HOST_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/;

/**
 * Pure. https only, no credentials, no IP literal (WHATWG URL turns `0x7f.1` or `2130706433` into
 * dotted IPv4, so the normalised host is what is checked), port 443 unless allowed, and a host
 * that is exactly on the allow-list, and a path of the form `/cert/<name>.cer`. Returns the
 * normalised URL to fetch (fragment dropped).
 */
export function checkCertificateUrl(
  raw: string | undefined,
  policy: CertificateUrlPolicy = DEFAULT_CERTIFICATE_POLICY,
): CertificateUrlResult {
  if (raw === undefined || raw.trim() === '') return { ok: false, reason: 'X-MS-Certificate-Url header missing' };
  if (raw.length > 2048) return { ok: false, reason: 'certificate URL too long' };
  let u: URL;
  try {
    u = new URL(raw.trim());
  } catch {
    return { ok: false, reason: 'certificate URL is not an absolute URL' };
  }
  if (u.protocol !== 'https:') return { ok: false, reason: 'certificate URL must be https' };
  if (u.username !== '' || u.password !== '')
    return { ok: false, reason: 'certificate URL must not carry credentials' };
  const host = u.hostname;
  if (host.startsWith('[') || IPV4.test(host))
    return { ok: false, reason: 'certificate URL must not be an IP address' };
  if (u.port !== '' && !(policy.allowedPorts ?? []).includes(Number(u.port)))
    return { ok: false, reason: `certificate URL port ${u.port} not allowed` };
  if (!policy.allowedHosts.includes(host))
    return { ok: false, reason: `certificate host not allowed: ${host.slice(0, 100)}` };
  if (!CERTIFICATE_PATH.test(u.pathname) || u.search !== '')
    return { ok: false, reason: 'certificate URL path is not /cert/<name>.cer' };
  u.hash = '';
  return { ok: true, url: u.toString() };
}

/** Pure: problems with a configured host list (for env parsing and `doctor`); empty when fine. */
export function certificateHostProblems(hosts: readonly string[]): string[] {
  if (hosts.length === 0) return ['the certificate host allow-list is empty: no webhook could be verified'];
  return hosts.flatMap((h) => {
    if (h.includes('*')) return [`${h}: wildcards are not allowed, list exact hosts`];
    if (IPV4.test(h) || h.includes(':') || h.startsWith('[')) return [`${h}: IP addresses and ports are not allowed`];
    if (!HOST_NAME.test(h)) return [`${h}: not a lower-case DNS host name`];
    return [];
  });
}
