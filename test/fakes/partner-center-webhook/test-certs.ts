import { execFileSync } from 'node:child_process';
import { createPrivateKey, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/*
 * Test-time certificates (STYLE: never committed). node:crypto makes keys but not X.509
 * certificates, so the openssl CLI signs them; it ships with Debian and the CI image.
 */

export interface TestSigner {
  pem: string;
  der: Buffer;
  cert: X509Certificate;
  key: KeyObject;
  /** Base64 RSA-SHA256 signature of the exact bytes, as Partner Center sends it. */
  sign(body: Buffer | string): string;
}

export interface TestCertificates {
  /** Issuing CA with O=Microsoft Corporation (like Microsoft's), valid for two days. */
  ca: TestSigner;
  /** Leaf issued by `ca`: what Partner Center signs events with. Valid for one day. */
  leaf: TestSigner;
  /** Self-issued by "Evil Corp": an attacker's own certificate. */
  rogue: TestSigner;
  /** Issued by `ca` but with a 1024-bit key. */
  weak: TestSigner;
}

function signer(dir: string, name: string): TestSigner {
  const pem = readFileSync(join(dir, `${name}.pem`), 'utf8');
  const key = createPrivateKey(readFileSync(join(dir, `${name}.key`), 'utf8'));
  const cert = new X509Certificate(pem);
  return {
    pem,
    der: Buffer.from(cert.raw),
    cert,
    key,
    sign: (body) => sign('sha256', Buffer.from(body), key).toString('base64'),
  };
}

export function makeTestCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'pc-webhook-certs-'));
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  try {
    ssl(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
      '-days',
      '2',
      '-subj',
      '/C=US/O=Microsoft Corporation/CN=Test Issuing CA',
    );
    for (const [name, bits] of [
      ['leaf', '2048'],
      ['weak', '1024'],
    ] as const) {
      ssl(
        'req',
        '-new',
        '-newkey',
        `rsa:${bits}`,
        '-nodes',
        '-keyout',
        `${name}.key`,
        '-out',
        `${name}.csr`,
        '-subj',
        '/CN=pcnotifications-dispatch.microsoft.com',
      );
      ssl(
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        'ca.pem',
        '-CAkey',
        'ca.key',
        '-set_serial',
        name === 'leaf' ? '1' : '2',
        '-days',
        '1',
        '-out',
        `${name}.pem`,
      );
    }
    ssl(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'rogue.key',
      '-out',
      'rogue.pem',
      '-days',
      '1',
      '-subj',
      '/O=Evil Corp/CN=pcnotifications-dispatch.microsoft.com',
    );
    return { ca: signer(dir, 'ca'), leaf: signer(dir, 'leaf'), rogue: signer(dir, 'rogue'), weak: signer(dir, 'weak') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The certificate URL in Microsoft's documentation sample. */
export const CERT_HOST = 'https://3psostorageacct.blob.core.windows.net';
export const CERT_PATH = '/cert/pcnotifications-dispatch.microsoft.com.cer';
export const CERT_URL = `${CERT_HOST}${CERT_PATH}`;

/** A referral event body as Partner Center sends it (partner-center-webhook-events). */
export function referralEvent(referralId: string, changedAt: Date, eventName = 'referral-updated'): string {
  return JSON.stringify({
    EventName: eventName,
    ResourceUri: `https://api.partnercenter.microsoft.com/engagements/v1/referrals/${referralId}`,
    ResourceName: 'referral',
    AuditUri: null,
    ResourceChangeUtcDate: changedAt.toISOString().replace('Z', '0000+00:00'),
  });
}

/** Headers of a signed delivery. */
export function signedHeaders(signer: TestSigner, body: string, certificateUrl = CERT_URL): Record<string, string> {
  return {
    'content-type': 'application/json',
    authorization: `Signature ${signer.sign(body)}`,
    'x-ms-certificate-url': certificateUrl,
    'x-ms-signature-algorithm': 'rsa-sha256',
  };
}
