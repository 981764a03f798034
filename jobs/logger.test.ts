import { Writable } from 'node:stream';
import { AxiosError, AxiosHeaders } from 'axios';
import { describe, expect, it } from 'vitest';
import { AuthError } from '../src/errors.ts';
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
