import { describe, expect, it } from 'vitest';
import { makeTestCertificates } from '../../test/fakes/partner-center-webhook/test-certs.ts';
import {
  checkCertificate,
  DEFAULT_CERTIFICATE_CHECKS,
  organizationsOf,
  verifyBodySignature,
} from './verify-signature.ts';

const certs = makeTestCertificates();
const now = new Date(Date.parse(certs.leaf.cert.validFrom) + 3600_000);
const body = Buffer.from(
  '{"EventName":"referral-updated","ResourceUri":"https://api.partnercenter.microsoft.com/engagements/v1/referrals/x"}',
);

describe('verifyBodySignature (RSA-SHA256 over the raw bytes)', () => {
  const sig = Buffer.from(certs.leaf.sign(body), 'base64');

  it('accepts the signature of the exact bytes', () => {
    expect(verifyBodySignature(body, sig, certs.leaf.cert)).toBe(true);
  });

  it.each([
    ['one byte changed', Buffer.from(body.toString().replace('updated', 'Updated'))],
    ['re-serialised JSON (whitespace)', Buffer.from(JSON.stringify(JSON.parse(body.toString()), null, 1))],
    ['a trailing newline', Buffer.concat([body, Buffer.from('\n')])],
  ])('refuses %s', (_name, other) => {
    expect(verifyBodySignature(other, sig, certs.leaf.cert)).toBe(false);
  });

  it('refuses a signature made with another key, and garbage', () => {
    expect(verifyBodySignature(body, Buffer.from(certs.rogue.sign(body), 'base64'), certs.leaf.cert)).toBe(false);
    expect(verifyBodySignature(body, Buffer.from('nope'), certs.leaf.cert)).toBe(false);
  });
});

describe('checkCertificate', () => {
  it('accepts a current certificate issued by O=Microsoft Corporation', () => {
    expect(checkCertificate(certs.leaf.cert, now)).toEqual({ ok: true });
  });

  it.each([
    [
      'an issuer organisation other than Microsoft',
      () => checkCertificate(certs.rogue.cert, now),
      /issuer organisation/,
    ],
    [
      'an expired certificate',
      () => checkCertificate(certs.leaf.cert, new Date(Date.parse(certs.leaf.cert.validTo) + 1000)),
      /not valid now/,
    ],
    [
      'a not-yet-valid certificate',
      () => checkCertificate(certs.leaf.cert, new Date(Date.parse(certs.leaf.cert.validFrom) - 1000)),
      /not valid now/,
    ],
    ['a 1024-bit key', () => checkCertificate(certs.weak.cert, now), /too short/],
  ])('refuses %s', (_name, run, reason) => {
    const r = run();
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : r.reason).toMatch(reason);
  });

  it('with trusted issuers configured, requires the certificate to chain to one of them', () => {
    const policy = { ...DEFAULT_CERTIFICATE_CHECKS, trustedIssuers: [certs.ca.cert] };
    expect(checkCertificate(certs.leaf.cert, now, policy)).toEqual({ ok: true });
    const otherCa = { ...DEFAULT_CERTIFICATE_CHECKS, trustedIssuers: [certs.rogue.cert] };
    expect(checkCertificate(certs.leaf.cert, now, otherCa)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/trusted issuer/),
    });
  });

  it('reads O= values from a distinguished name', () => {
    expect(organizationsOf('C=US\nO=Microsoft Corporation\nCN=x')).toEqual(['Microsoft Corporation']);
    expect(organizationsOf('CN=O=Microsoft Corporation')).toEqual([]);
  });
});
