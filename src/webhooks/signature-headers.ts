/*
 * The signing headers of a Partner Center webhook call (partner-center-webhooks, "How to
 * authenticate the callback"): the signature as `Authorization: Signature <base64>`, or, when the
 * registration sets SignatureTokenToMsSignatureHeader, as `x-ms-signature: Signature <base64>`;
 * `X-MS-Certificate-Url` names the signing certificate and `X-MS-Signature-Algorithm` is `rsa-sha256`.
 */

/** Request headers as Node gives them (lower-case names) or as a plain object (any case). */
export type RequestHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

interface SignatureHeaders {
  signature: Uint8Array;
  certificateUrl: string;
  algorithm: 'rsa-sha256';
}

export type SignatureHeadersResult = { ok: true; value: SignatureHeaders } | { ok: false; reason: string };

/** RSA signatures are at most 16384 bits; anything longer is not one. */
const MAX_SIGNATURE_BYTES = 2048;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** One header value; a header sent twice is ambiguous and treated as absent-and-suspicious. */
function headerValue(headers: RequestHeaders, name: string): string | undefined | 'duplicate' {
  const wanted = name.toLowerCase();
  let found: string | undefined;
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted || value === undefined) continue;
    if (typeof value !== 'string') {
      if (value.length !== 1) return 'duplicate';
      if (found !== undefined) return 'duplicate';
      found = value[0];
      continue;
    }
    if (found !== undefined) return 'duplicate';
    found = value;
  }
  return found;
}

/** `Signature <b64>` → b64; a bare value is accepted for x-ms-signature only. */
function signatureToken(value: string, bareAllowed: boolean): string | undefined {
  const parts = value.trim().split(/\s+/);
  if (parts.length === 2 && parts[0]?.toLowerCase() === 'signature') return parts[1];
  if (parts.length === 1 && bareAllowed) return parts[0];
  return undefined;
}

/**
 * Pure. Finds the signature (Authorization with the Signature scheme first, then x-ms-signature,
 * so an Authorization header added by a proxy for its own purposes does not hide it), the
 * certificate URL and the algorithm. Only rsa-sha256 is accepted: it is what Partner Center sends,
 * and accepting whatever the caller names (e.g. rsa-sha1) would let the caller weaken the check.
 */
export function readSignatureHeaders(headers: RequestHeaders): SignatureHeadersResult {
  const auth = headerValue(headers, 'authorization');
  const ms = headerValue(headers, 'x-ms-signature');
  const certificateUrl = headerValue(headers, 'x-ms-certificate-url');
  const algorithm = headerValue(headers, 'x-ms-signature-algorithm');
  if ([auth, ms, certificateUrl, algorithm].includes('duplicate'))
    return { ok: false, reason: 'a signing header was sent more than once' };

  const token =
    (auth !== undefined && auth !== 'duplicate' ? signatureToken(auth, false) : undefined) ??
    (ms !== undefined && ms !== 'duplicate' ? signatureToken(ms, true) : undefined);
  if (token === undefined) return { ok: false, reason: 'no signature (Authorization: Signature … or x-ms-signature)' };
  if (!BASE64.test(token) || token.length % 4 !== 0) return { ok: false, reason: 'signature is not base64' };
  const signature = Uint8Array.from(atob(token), (c) => c.charCodeAt(0));
  if (signature.length === 0 || signature.length > MAX_SIGNATURE_BYTES)
    return { ok: false, reason: 'signature has an impossible length' };

  if (algorithm === undefined || algorithm === 'duplicate')
    return { ok: false, reason: 'X-MS-Signature-Algorithm header missing' };
  if (algorithm.trim().toLowerCase() !== 'rsa-sha256')
    return { ok: false, reason: 'unsupported signature algorithm (only rsa-sha256)' };
  if (certificateUrl === undefined || certificateUrl === 'duplicate')
    return { ok: false, reason: 'X-MS-Certificate-Url header missing' };
  return { ok: true, value: { signature, certificateUrl: certificateUrl.trim(), algorithm: 'rsa-sha256' } };
}
