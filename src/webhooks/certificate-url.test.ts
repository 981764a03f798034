import { describe, expect, it } from 'vitest';
import { certificateHostProblems, checkCertificateUrl, DEFAULT_CERTIFICATE_POLICY } from './certificate-url.ts';

const GOOD = 'https://3psostorageacct.blob.core.windows.net/cert/pcnotifications-dispatch.microsoft.com.cer';

describe('checkCertificateUrl (allow-list before any request)', () => {
  it.each([
    [GOOD, true],
    ['https://3PSOSTORAGEACCT.blob.core.windows.net/cert/x.cer', true], // host names are case-insensitive
    ['https://3psostorageacct.blob.core.windows.net:443/cert/x.cer', true], // explicit default port
    ['https://3psostorageacct.blob.core.windows.net/cert/x.cer#frag', true],
    ['http://3psostorageacct.blob.core.windows.net/cert/x.cer', false], // https only
    ['ftp://3psostorageacct.blob.core.windows.net/cert/x.cer', false],
    ['https://evil.blob.core.windows.net/cert/x.cer', false], // anyone can own a storage account
    ['https://3psostorageacct.blob.core.windows.net.evil.example/cert/x.cer', false],
    ['https://3psostorageacct.blob.core.windows.net@evil.example/x.cer', false], // userinfo trick: host is evil.example
    ['https://user:pw@3psostorageacct.blob.core.windows.net/cert/x.cer', false],
    ['https://3psostorageacct.blob.core.windows.net:8443/cert/x.cer', false], // non-443 port
    ['https://127.0.0.1/cert/x.cer', false],
    ['https://2130706433/cert/x.cer', false], // decimal IPv4, normalised by URL
    ['https://0x7f.1/cert/x.cer', false],
    ['https://[::1]/cert/x.cer', false],
    ['https://169.254.169.254/latest/meta-data', false], // cloud metadata
    ['https://localhost/cert/x.cer', false],
    ['/cert/x.cer', false], // relative
    ['', false],
    [undefined, false],
    [`https://3psostorageacct.blob.core.windows.net/${'a'.repeat(3000)}`, false],
    // Issue 14: only the documented path shape, so distinct URLs cannot be made up at will.
    ['https://3psostorageacct.blob.core.windows.net/other/x.cer', false],
    ['https://3psostorageacct.blob.core.windows.net/cert/x.cer?v=1', false],
    ['https://3psostorageacct.blob.core.windows.net/cert/a/../x.cer', true], // URL resolves it to /cert/x.cer
    ['https://3psostorageacct.blob.core.windows.net/cert/sub/x.cer', false],
    ['https://3psostorageacct.blob.core.windows.net/cert/x.pem', false],
    ['https://3psostorageacct.blob.core.windows.net/cert/%2e%2e.cer', false],
  ])('%s → %s', (url, ok) => {
    expect(checkCertificateUrl(url, DEFAULT_CERTIFICATE_POLICY).ok).toBe(ok);
  });

  it('allows a configured port only when listed, and never an IP even if listed as a host', () => {
    const policy = { allowedHosts: ['certs.example', '127.0.0.1'], allowedPorts: [8443] };
    expect(checkCertificateUrl('https://certs.example:8443/cert/c.cer', policy).ok).toBe(true);
    expect(checkCertificateUrl('https://certs.example:9443/cert/c.cer', policy).ok).toBe(false);
    expect(checkCertificateUrl('https://127.0.0.1/cert/c.cer', policy).ok).toBe(false);
  });

  it('returns the URL to fetch without the fragment', () => {
    expect(checkCertificateUrl(`${GOOD}#x`)).toEqual({ ok: true, url: GOOD });
  });
});

describe('certificateHostProblems (configured allow-list)', () => {
  it.each([
    [['3psostorageacct.blob.core.windows.net'], 0],
    [['*.blob.core.windows.net'], 1],
    [['10.0.0.1'], 1],
    [['certs.example:8443'], 1],
    [['Certs.Example'], 1],
    [['localhost'], 1],
    [[], 1],
  ])('%j → %i problem(s)', (hosts, n) => {
    expect(certificateHostProblems(hosts)).toHaveLength(n);
  });
});
