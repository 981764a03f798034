import { describe, expect, it } from 'vitest';
import { isCrossSiteWrite } from './same-origin.ts';

describe('isCrossSiteWrite', () => {
  const host = 'dash.example:3000';
  it.each([
    ['GET from anywhere', 'GET', { origin: 'http://evil.example', host }, false],
    [
      'POST from the same origin',
      'POST',
      { origin: 'http://dash.example:3000', host, 'sec-fetch-site': 'same-origin' },
      false,
    ],
    ['POST from another site', 'POST', { origin: 'http://evil.example', host }, true],
    ['POST marked cross-site without Origin', 'POST', { host, 'sec-fetch-site': 'cross-site' }, true],
    ['POST from a sandboxed frame', 'POST', { origin: 'null', host }, true],
    ['POST without browser headers (curl)', 'POST', { host }, false],
    [
      'PUT behind a proxy that sets X-Forwarded-Host',
      'PUT',
      { origin: 'https://ops.example', host: '10.0.0.5:3000', 'x-forwarded-host': 'ops.example' },
      false,
    ],
  ])('%s', (_name, method, headers, expected) => expect(isCrossSiteWrite(method, headers)).toBe(expected));
});
