import { X509Certificate } from 'node:crypto';
import axios, { isAxiosError } from 'axios';
import { RetryableError, SyncError, ValidationError } from '../../src/errors.ts';
import { type Clock, systemClock } from '../../src/ports/clock.ts';
import { checkCertificateUrl, type CertificateUrlPolicy } from '../../src/webhooks/certificate-url.ts';
import { toSyncError } from '../shared/http-failure.ts';

export interface CertificateFetcherOptions {
  policy: CertificateUrlPolicy;
  /** Per request (default 5 s): Partner Center waits for our answer while we fetch. */
  timeoutMs?: number | undefined;
  /** Largest body read (default 64 KiB; a certificate is about 2 KiB). */
  maxBytes?: number | undefined;
  /** How long a fetched certificate is reused (default 1 h; never past its validTo). */
  ttlMs?: number | undefined;
  /** How long a failed fetch is remembered (default 30 s), so a flood of bad URLs is not amplified. */
  failureTtlMs?: number | undefined;
  /** Cached URLs kept at most (default 32; the allow-list keeps the real number tiny). */
  maxEntries?: number | undefined;
  /** Downloads running at once (default 2): one real certificate needs one (issue 14). */
  maxConcurrent?: number | undefined;
  /**
   * Downloads started per minute (default 10). Unsigned POSTs choose the URL, so without a cap
   * each distinct one cost an outbound request (issue 14: 500 POSTs made 500 fetches).
   */
  maxPerMinute?: number | undefined;
  clock?: Clock | undefined;
}

export interface CertificateFetcher {
  /**
   * The certificate at `url` (DER or PEM). Refuses a URL off the allow-list before any request.
   * NotFoundError/ValidationError: no usable certificate there; RetryableError: try again later.
   */
  get(url: string): Promise<X509Certificate>;
}

type Entry = { cert: X509Certificate; until: number } | { error: SyncError; until: number };

/** Fetches signing certificates with axios: no redirects, a size cap, a timeout, cached by URL. */
export function createCertificateFetcher(o: CertificateFetcherOptions): CertificateFetcher {
  const clock = o.clock ?? systemClock;
  const ttlMs = o.ttlMs ?? 3600_000;
  const failureTtlMs = o.failureTtlMs ?? 30_000;
  const maxEntries = o.maxEntries ?? 32;
  const maxBytes = o.maxBytes ?? 64 * 1024;
  const http = axios.create({
    timeout: o.timeoutMs ?? 5000,
    // A redirect could lead anywhere, past the allow-list.
    maxRedirects: 0,
    maxContentLength: maxBytes,
    responseType: 'arraybuffer',
    validateStatus: (s) => s === 200,
    headers: { Accept: 'application/pkix-cert, application/x-x509-ca-cert, application/octet-stream, */*' },
  });
  const cache = new Map<string, Entry>();
  const inflight = new Map<string, Promise<X509Certificate>>();
  const maxConcurrent = o.maxConcurrent ?? 2;
  const maxPerMinute = o.maxPerMinute ?? 10;
  let started: number[] = [];

  /** Null when a download may start now; else why not. Refused, not queued: a queue is a backlog to flood. */
  const busy = (now: number): RetryableError | null => {
    started = started.filter((t) => t > now - 60_000);
    if (inflight.size >= maxConcurrent)
      return new RetryableError('too many certificate downloads at once; retry later');
    if (started.length >= maxPerMinute) {
      return new RetryableError('certificate download limit per minute reached; retry later', {
        retryAfterMs: (started[0] ?? now) + 60_000 - now,
      });
    }
    return null;
  };

  const remember = (url: string, entry: Entry) => {
    cache.delete(url);
    cache.set(url, entry);
    while (cache.size > maxEntries) {
      const oldest = cache.keys().next().value;
      if (oldest === undefined) break;
      cache.delete(oldest);
    }
  };

  async function download(url: string): Promise<X509Certificate> {
    let body: Buffer;
    try {
      const res = await http.get<ArrayBuffer>(url);
      body = Buffer.from(res.data);
    } catch (err) {
      if (isAxiosError(err) && /maxContentLength/.test(err.message))
        throw new ValidationError(`certificate response larger than ${maxBytes} bytes`);
      throw toSyncError(err, { remote: 'webhook-certificate' });
    }
    try {
      return new X509Certificate(body);
    } catch {
      throw new ValidationError('the certificate URL did not return an X.509 certificate (DER or PEM)');
    }
  }

  return {
    get(raw: string): Promise<X509Certificate> {
      const checked = checkCertificateUrl(raw, o.policy);
      if (!checked.ok) return Promise.reject(new ValidationError(checked.reason));
      const url = checked.url;
      const now = clock.now().getTime();
      const hit = cache.get(url);
      if (hit && hit.until > now) return 'cert' in hit ? Promise.resolve(hit.cert) : Promise.reject(hit.error);
      const pending = inflight.get(url);
      if (pending) return pending;
      // Not remembered as a failure: the URL may be fine, we only declined to fetch it now.
      const refused = busy(now);
      if (refused) return Promise.reject(refused);
      started.push(now);
      const p = download(url)
        .then(
          (cert) => {
            const validTo = Date.parse(cert.validTo);
            remember(url, { cert, until: Math.min(now + ttlMs, Number.isNaN(validTo) ? now : validTo) });
            return cert;
          },
          (err: unknown) => {
            const error = err instanceof SyncError ? err : toSyncError(err, { remote: 'webhook-certificate' });
            remember(url, { error, until: now + failureTtlMs });
            throw error;
          },
        )
        .finally(() => inflight.delete(url));
      inflight.set(url, p);
      return p;
    },
  };
}
