import { verify, type X509Certificate } from 'node:crypto';

/*
 * Partner Center signs the request body with the private key of a certificate it links in
 * X-MS-Certificate-Url (partner-center-webhooks, "How to authenticate the callback"): RSA with
 * SHA-256 over the body bytes, PKCS#1 v1.5 as .NET's RSA VerifyData does by default. Microsoft's
 * sample then checks the chain and that the issuer's Organization is "Microsoft Corporation".
 */

export interface CertificatePolicy {
  /** Accepted issuer O= values. Microsoft's sample checks "O=Microsoft Corporation". */
  issuerOrganizations: readonly string[];
  /** Shortest RSA key accepted. */
  minRsaBits: number;
  /**
   * Issuing CAs the certificate must chain to directly (signature checked). Optional: the chain
   * of the production certificate is UNCONFIRMED, so by default the pinned host (certificate-url.ts)
   * plus the issuer organisation are what vouch for it, as in Microsoft's sample minus chain building.
   */
  trustedIssuers?: readonly X509Certificate[] | undefined;
}

export const DEFAULT_CERTIFICATE_CHECKS: CertificatePolicy = {
  issuerOrganizations: ['Microsoft Corporation'],
  minRsaBits: 2048,
};

export type Verdict = { ok: true } | { ok: false; reason: string };

/** `C=US\nO=Microsoft Corporation\nCN=…` → the O= values. */
export function organizationsOf(distinguishedName: string): string[] {
  return distinguishedName
    .split('\n')
    .map((line) => /^O=(.*)$/.exec(line.trim())?.[1])
    .filter((o): o is string => o !== undefined);
}

const currentlyValid = (c: X509Certificate, now: Date): boolean => {
  const from = Date.parse(c.validFrom);
  const to = Date.parse(c.validTo);
  return !Number.isNaN(from) && !Number.isNaN(to) && from <= now.getTime() && now.getTime() <= to;
};

/** Pure: may this certificate vouch for an event at `now`? */
export function checkCertificate(
  cert: X509Certificate,
  now: Date,
  policy: CertificatePolicy = DEFAULT_CERTIFICATE_CHECKS,
): Verdict {
  if (!currentlyValid(cert, now))
    return { ok: false, reason: `signing certificate is not valid now (valid ${cert.validFrom} – ${cert.validTo})` };
  const key = cert.publicKey;
  if (key.asymmetricKeyType !== 'rsa') return { ok: false, reason: 'signing certificate does not hold an RSA key' };
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < policy.minRsaBits) return { ok: false, reason: `signing key too short (${bits} bits)` };
  const orgs = organizationsOf(cert.issuer);
  if (!orgs.some((o) => policy.issuerOrganizations.includes(o))) {
    return { ok: false, reason: `signing certificate issuer organisation not trusted (${orgs.join(', ') || 'none'})` };
  }
  if (policy.trustedIssuers && policy.trustedIssuers.length > 0) {
    const chained = policy.trustedIssuers.some(
      (ca) => currentlyValid(ca, now) && cert.checkIssued(ca) && cert.verify(ca.publicKey),
    );
    if (!chained) return { ok: false, reason: 'signing certificate is not issued by a trusted issuer' };
  }
  return { ok: true };
}

/** Pure: RSA-SHA256 (PKCS#1 v1.5) over the exact body bytes as received. */
export function verifyBodySignature(rawBody: Uint8Array, signature: Uint8Array, cert: X509Certificate): boolean {
  try {
    return verify('sha256', rawBody, cert.publicKey, signature);
  } catch {
    return false;
  }
}
