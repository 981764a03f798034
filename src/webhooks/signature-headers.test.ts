import { describe, expect, it } from 'vitest';
import { readSignatureHeaders } from './signature-headers.ts';

const SIG = Buffer.from('a-signature-of-some-bytes').toString('base64');
const base = { 'x-ms-certificate-url': 'https://certs.example/c.cer', 'x-ms-signature-algorithm': 'rsa-sha256' };

describe('readSignatureHeaders', () => {
  it.each([
    ['Authorization: Signature', { ...base, authorization: `Signature ${SIG}` }, true],
    ['scheme in any case', { ...base, Authorization: `signature ${SIG}` }, true],
    ['x-ms-signature with scheme', { ...base, 'x-ms-signature': `Signature ${SIG}` }, true],
    ['bare x-ms-signature', { ...base, 'x-ms-signature': SIG }, true],
    [
      'a proxy Bearer in Authorization, signature in x-ms-signature',
      { ...base, authorization: 'Bearer abc', 'x-ms-signature': `Signature ${SIG}` },
      true,
    ],
    [
      'algorithm in capitals',
      { ...base, 'x-ms-signature-algorithm': 'RSA-SHA256', authorization: `Signature ${SIG}` },
      true,
    ],
    ['no signature', { ...base }, false],
    ['Bearer only', { ...base, authorization: `Bearer ${SIG}` }, false],
    ['bare value in Authorization', { ...base, authorization: SIG }, false],
    ['not base64', { ...base, authorization: 'Signature ***' }, false],
    ['bad padding', { ...base, authorization: 'Signature abc' }, false],
    [
      'rsa-sha1 (weaker than what Microsoft sends)',
      { ...base, 'x-ms-signature-algorithm': 'rsa-sha1', authorization: `Signature ${SIG}` },
      false,
    ],
    ['no algorithm', { 'x-ms-certificate-url': 'https://c', authorization: `Signature ${SIG}` }, false],
    ['no certificate URL', { 'x-ms-signature-algorithm': 'rsa-sha256', authorization: `Signature ${SIG}` }, false],
    [
      'certificate URL sent twice',
      { ...base, 'x-ms-certificate-url': ['https://a', 'https://b'], authorization: `Signature ${SIG}` },
      false,
    ],
    [
      'same header under two spellings',
      { ...base, 'X-MS-Certificate-Url': 'https://b', authorization: `Signature ${SIG}` },
      false,
    ],
    [
      'absurdly long signature',
      { ...base, authorization: `Signature ${Buffer.alloc(4096).toString('base64')}` },
      false,
    ],
  ])('%s → %s', (_name, headers, ok) => {
    expect(readSignatureHeaders(headers).ok).toBe(ok);
  });

  it('decodes the signature bytes', () => {
    const r = readSignatureHeaders({ ...base, authorization: `Signature ${SIG}` });
    expect(r.ok && Buffer.from(r.value.signature).toString()).toBe('a-signature-of-some-bytes');
  });
});
