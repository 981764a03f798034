import { describe, expect, it } from 'vitest';
import { clientAddress } from './client-address.ts';

const PROXIES = ['10.0.0.2', '10.0.0.3'];

describe('clientAddress: whom a failed sign-in counts against (#14)', () => {
  it.each([
    ['a direct client: its own address', '203.0.113.7', undefined, PROXIES, '203.0.113.7'],
    ['a direct client cannot pick a key with X-Forwarded-For', '203.0.113.7', '198.51.100.1', PROXIES, '203.0.113.7'],
    ['behind the proxy: the address the proxy saw', '10.0.0.2', '198.51.100.1', PROXIES, '198.51.100.1'],
    ['IPv4-mapped proxy socket', '::ffff:10.0.0.2', '198.51.100.1', PROXIES, '198.51.100.1'],
    ['a forged left-hand entry is ignored', '10.0.0.2', '1.2.3.4, 198.51.100.1', PROXIES, '198.51.100.1'],
    ['through two listed proxies', '10.0.0.2', '198.51.100.1, 10.0.0.3', PROXIES, '198.51.100.1'],
    ['IPv6 client', '10.0.0.2', '2001:db8::5', PROXIES, '2001:db8::5'],
    ['no header from the proxy: the proxy', '10.0.0.2', undefined, PROXIES, '10.0.0.2'],
    ['a malformed entry: the proxy', '10.0.0.2', 'unknown', PROXIES, '10.0.0.2'],
    ['only proxies in the chain: the proxy', '10.0.0.2', '10.0.0.3', PROXIES, '10.0.0.2'],
    ['no proxies listed: never the header', '127.0.0.1', '198.51.100.1', [], '127.0.0.1'],
  ])('%s', (_why, peer, xff, proxies, expected) => {
    expect(clientAddress(peer, xff, proxies)).toBe(expected);
  });
});
