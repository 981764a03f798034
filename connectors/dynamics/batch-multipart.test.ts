import { describe, expect, it } from 'vitest';
import { boundaryOf, buildBatch, parseBatchResponse } from './batch-multipart.ts';

const ROOT = 'https://org.crm4.dynamics.com/api/data/v9.2/';

describe('buildBatch', () => {
  it('puts every request in a change set of its own, with Content-ID and CRLF line ends', () => {
    const { contentType, body } = buildBatch(
      [
        {
          method: 'PATCH',
          url: `${ROOT}opportunities(new_referralid='A')`,
          headers: { Prefer: 'return=representation' },
          body: { name: 'A' },
        },
        { method: 'PATCH', url: `${ROOT}opportunities(new_referralid='B')`, headers: {}, body: { name: 'B' } },
      ],
      'b1',
    );
    expect(contentType).toBe('multipart/mixed; boundary=batch_b1');
    expect(body.match(/Content-Type: multipart\/mixed; boundary=changeset_b1_\d/g)).toHaveLength(2);
    expect(body).toContain(
      `--changeset_b1_2\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\nContent-ID: 2\r\n\r\nPATCH ${ROOT}opportunities(new_referralid='B') HTTP/1.1\r\n`,
    );
    expect(body).toContain(
      'Prefer: return=representation\r\nContent-Type: application/json; type=entry\r\n\r\n{"name":"A"}\r\n--changeset_b1_1--',
    );
    expect(body.endsWith('--batch_b1--\r\n')).toBe(true);
    expect(body.replace(/\r\n/g, '')).not.toContain('\n');
  });
});

describe('boundaryOf', () => {
  it.each([
    ['multipart/mixed; boundary=batchresponse_1', 'batchresponse_1'],
    ['multipart/mixed; boundary="batchresponse_2"; charset=utf-8', 'batchresponse_2'],
    ['application/json', undefined],
    [undefined, undefined],
  ])('%s', (type, expected) => expect(boundaryOf(type)).toBe(expected));
});

const ok = (cs: string, id: number, status: string, body: string): string =>
  `--${cs}\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\nContent-ID: ${id}\r\n\r\nHTTP/1.1 ${status}\r\nContent-Type: application/json; odata.metadata=minimal\r\nOData-Version: 4.0\r\n\r\n${body}\r\n--${cs}--`;

describe('parseBatchResponse', () => {
  it('reads change set answers, a failed change set (no nesting) and a 204 with OData-EntityId', () => {
    const text = [
      `--batchresponse_x\r\nContent-Type: multipart/mixed; boundary=changesetresponse_1\r\n\r\n${ok('changesetresponse_1', 1, '201 Created', '{"opportunityid":"1"}')}`,
      '--batchresponse_x\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\nHTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nRetry-After: 2\r\n\r\n{"error":{"code":"0x80040203","message":"bad"}}',
      '--batchresponse_x\r\nContent-Type: multipart/mixed; boundary=changesetresponse_3\r\n\r\n--changesetresponse_3\r\nContent-Type: application/http\r\nContent-ID: 3\r\n\r\nHTTP/1.1 204 No Content\r\nOData-EntityId: https://org/api/data/v9.2/opportunities(3)\r\n\r\n\r\n--changesetresponse_3--',
      '--batchresponse_x--',
      '',
    ].join('\r\n');
    const parts = parseBatchResponse('multipart/mixed; boundary=batchresponse_x', text);
    expect(parts).toHaveLength(3);
    expect(parts[0]).toEqual([
      {
        status: 201,
        headers: { 'content-type': 'application/json; odata.metadata=minimal', 'odata-version': '4.0' },
        body: '{"opportunityid":"1"}',
      },
    ]);
    expect(parts[1]?.[0]).toMatchObject({
      status: 400,
      headers: { 'retry-after': '2' },
      body: '{"error":{"code":"0x80040203","message":"bad"}}',
    });
    expect(parts[2]?.[0]).toMatchObject({
      status: 204,
      headers: { 'odata-entityid': 'https://org/api/data/v9.2/opportunities(3)' },
      body: '',
    });
  });

  it('accepts bare LF line ends and a preamble', () => {
    const text = `preamble\n--b\nContent-Type: application/http\n\nHTTP/1.1 200 OK\nContent-Type: application/json\n\n{"a":1}\n--b--\n`;
    expect(parseBatchResponse('multipart/mixed; boundary="b"', text)).toEqual([
      [{ status: 200, headers: { 'content-type': 'application/json' }, body: '{"a":1}' }],
    ]);
  });

  it('stops at the closing delimiter (a batch that stopped early has fewer parts)', () => {
    const text = `--b\r\nContent-Type: application/http\r\n\r\nHTTP/1.1 429 Too Many Requests\r\n\r\n\r\n--b--\r\n--b\r\nContent-Type: application/http\r\n\r\nHTTP/1.1 200 OK\r\n\r\n`;
    expect(parseBatchResponse('multipart/mixed; boundary=b', text).map((p) => p.map((r) => r.status))).toEqual([[429]]);
  });

  it('refuses a body that is not multipart', () => {
    expect(() => parseBatchResponse('application/json', '{}')).toThrow(/not multipart/);
  });
});
