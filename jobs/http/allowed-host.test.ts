import { describe, expect, it } from 'vitest';
import { allowedHostNames, isAllowedHost } from './allowed-host.ts';

describe('isAllowedHost (#14)', () => {
  const loopback = allowedHostNames('127.0.0.1', []);
  it.each([
    ['127.0.0.1:3000', true],
    ['localhost:3000', true],
    ['LOCALHOST', true],
    ['[::1]:3000', true],
    ['rebind.attacker.example:3000', false],
    ['127.0.0.1.attacker.example', false],
    ['', false],
    ['a b', false],
  ])('Host %j → %s', (host, ok) => {
    expect(isAllowedHost({ host }, loopback)).toBe(ok);
  });

  it('refuses a request without Host', () => {
    expect(isAllowedHost({}, loopback)).toBe(false);
  });

  it('accepts a configured public name, and checks X-Forwarded-Host too', () => {
    const allowed = allowedHostNames('0.0.0.0', ['Ops.Example.com']);
    expect(isAllowedHost({ host: 'ops.example.com' }, allowed)).toBe(true);
    expect(isAllowedHost({ host: '10.0.0.5:3000' }, allowed)).toBe(false);
    expect(isAllowedHost({ host: 'localhost', 'x-forwarded-host': 'evil.example' }, allowed)).toBe(false);
  });

  it('accepts the address the server is bound to', () => {
    expect(isAllowedHost({ host: '0.0.0.0:3000' }, allowedHostNames('0.0.0.0', []))).toBe(true);
    expect(isAllowedHost({ host: '10.0.0.5:3000' }, allowedHostNames('10.0.0.5', []))).toBe(true);
  });
});
