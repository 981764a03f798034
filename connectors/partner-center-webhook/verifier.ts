import { RetryableError } from '../../src/errors.ts';
import { type Clock, systemClock } from '../../src/ports/clock.ts';
import { checkCertificateUrl, type CertificateUrlPolicy } from '../../src/webhooks/certificate-url.ts';
import { readSignatureHeaders, type RequestHeaders } from '../../src/webhooks/signature-headers.ts';
import type { CertificateFetcher } from './certificate-fetcher.ts';
import {
  checkCertificate,
  DEFAULT_CERTIFICATE_CHECKS,
  verifyBodySignature,
  type CertificatePolicy,
} from './verify-signature.ts';

type VerifyOutcome =
  | { ok: true; certificateUrl: string }
  /** 401: not signed by Partner Center as far as we can tell. 503: the certificate could not be fetched now. */
  | { ok: false; status: 401 | 503; reason: string };

export interface WebhookVerifierOptions {
  urlPolicy: CertificateUrlPolicy;
  fetcher: CertificateFetcher;
  certificates?: CertificatePolicy | undefined;
  clock?: Clock | undefined;
}

export type WebhookVerifier = (headers: RequestHeaders, rawBody: Uint8Array) => Promise<VerifyOutcome>;

/**
 * Headers → allow-listed certificate URL → certificate (cached) → certificate checks → signature
 * over the raw body. The allow-list is checked here, before the fetcher is asked (which checks it
 * again): a URL off the list never causes a request.
 */
export function createWebhookVerifier(o: WebhookVerifierOptions): WebhookVerifier {
  const clock = o.clock ?? systemClock;
  return async (headers, rawBody) => {
    const h = readSignatureHeaders(headers);
    if (!h.ok) return { ok: false, status: 401, reason: h.reason };
    const url = checkCertificateUrl(h.value.certificateUrl, o.urlPolicy);
    if (!url.ok) return { ok: false, status: 401, reason: url.reason };
    let cert;
    try {
      cert = await o.fetcher.get(url.url);
    } catch (err) {
      const reason = `signing certificate unavailable: ${err instanceof Error ? err.message : 'unknown failure'}`;
      // A Microsoft outage is not the sender's fault: 503 makes Partner Center deliver again later.
      return { ok: false, status: err instanceof RetryableError ? 503 : 401, reason };
    }
    const checked = checkCertificate(cert, clock.now(), o.certificates ?? DEFAULT_CERTIFICATE_CHECKS);
    if (!checked.ok) return { ok: false, status: 401, reason: checked.reason };
    if (!verifyBodySignature(rawBody, h.value.signature, cert))
      return { ok: false, status: 401, reason: 'signature does not match the body' };
    return { ok: true, certificateUrl: url.url };
  };
}
