import { Writable } from 'node:stream';
import { AxiosError, AxiosHeaders } from 'axios';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { AuthError } from '../src/errors.ts';
import { REDACT_PATHS, scrubObject, serializeError } from '../src/log/logger.ts';
import { createLogger } from './logger.ts';

const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzZWNyZXQtdXNlciJ9.c2lnbmF0dXJlLWZha2U';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  return { log: createLogger({ level: 'trace', destination: stream }), text: () => lines.join('') };
}

describe('root logger', () => {
  it('never prints the bearer token of a raw axios error', () => {
    const { log, text } = capture();
    const headers = new AxiosHeaders({ Authorization: `Bearer ${TOKEN}` });
    const err = new AxiosError('Request failed with status code 500', 'ERR_BAD_RESPONSE', { headers } as never, {
      _header: `GET /v1.0/engagements/referrals HTTP/1.1\r\nAuthorization: Bearer ${TOKEN}\r\n`,
    });
    log.error({ err }, 'call failed');
    log.error({ error: new AuthError(`token ${TOKEN} rejected`) }, 'auth failed');
    log.info(
      {
        request: { headers: { authorization: `Bearer ${TOKEN}` } },
        accessToken: TOKEN,
        data: { refresh_token: TOKEN },
      },
      'details',
    );
    const out = text();
    expect(out).toContain('call failed');
    expect(out).toContain('Request failed with status code 500');
    expect(out).not.toContain(TOKEN);
    expect(out).not.toContain('c2lnbmF0dXJlLWZha2U');
  });

  it('blanks customer contact details that reach a log object', () => {
    const { log, text } = capture();
    log.info(
      { contact: { email: 'lena@bluefin.example', phoneNumber: '+49 40 1234' }, referralId: 'r-1' },
      'contact seen',
    );
    const out = text();
    expect(out).toContain('r-1');
    expect(out).not.toContain('lena@bluefin.example');
    expect(out).not.toContain('+49 40 1234');
  });
});

describe('redaction (src/log/redact.ts, in place of pino redact since issue 19)', () => {
  /** pino's own `redact` over the same paths: what the root logger printed before. */
  function reference() {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(chunk.toString());
        cb();
      },
    });
    const log = pino(
      {
        level: 'trace',
        base: { app: 'referral-sync' },
        redact: { paths: REDACT_PATHS, censor: '[redacted]' },
        serializers: { err: serializeError, error: serializeError, data: scrubObject },
        timestamp: false,
      },
      stream,
    );
    return { log, lines };
  }
  const withoutTime = (line: string | undefined): unknown => {
    const { time: _time, ...rest } = JSON.parse(line ?? '{}') as Record<string, unknown>;
    return rest;
  };

  const headers = new AxiosHeaders({ Authorization: 'Bearer x', accept: 'json' });
  const cases: [string, Record<string, unknown>][] = [
    ['top-level secrets', { accessToken: 'a', refreshToken: 'b', clientSecret: 'c', authorization: 'd', other: 1 }],
    ['one level down', { auth: { access_token: 'a', id_token: 'b', password: 'c', privateKey: 'd', keep: 'e' } }],
    [
      'headers',
      {
        request: { headers: { authorization: 'x', Authorization: 'y', accept: 'z' } },
        headers: { authorization: 'h' },
      },
    ],
    ['axios headers', { request: { headers } }],
    ['contact details', { contact: { email: 'e@x.example', phoneNumber: '1', name: 'n' }, referralId: 'r' }],
    ['arrays and primitives', { list: [{ email: 'e' }], email: 'top-level stays', n: 3, ok: true, nothing: null }],
    ['undefined values', { accessToken: undefined, contact: { email: undefined } }],
    ['deeper is left', { a: { b: { email: 'deep' } } }],
    [
      'serialized values',
      { err: new AuthError('no'), error: new Error('x'), data: { email: 'e', refresh_token: 't' } },
    ],
  ];

  it.each(cases)('prints what pino redact printed: %s', (_name, obj) => {
    const ours = capture();
    const ref = reference();
    const before = JSON.stringify(obj);
    ours.log.info(obj, 'm');
    ref.log.info(obj, 'm');
    ours.log.child(obj).info('child');
    ref.log.child(obj).info('child');
    const printed = ours.text().trimEnd().split('\n');
    expect(printed.map(withoutTime)).toEqual(ref.lines.map(withoutTime));
    // The caller's objects are left as they were.
    expect(JSON.stringify(obj)).toBe(before);
  });
});
