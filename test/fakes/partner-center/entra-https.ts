import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TokenService, type TokenServiceOptions } from './token-service.ts';

/*
 * An Entra look-alike on a host msal does not know, over HTTPS (msal refuses http authorities):
 * the OpenID configuration msal reads for a known authority, and the token endpoint. Unlike
 * msalMetadataFor() it needs no metadata injected, so the CLI reaches it through its environment
 * alone. The certificate is made at test time (STYLE) and valid for 127.0.0.1 only; a child
 * process trusts it through NODE_EXTRA_CA_CERTS=caFile.
 */
export interface HttpsEntra {
  /** https://127.0.0.1:<port>, for ENTRA_AUTHORITY_HOST. */
  readonly authorityHost: string;
  /** 127.0.0.1:<port>, for ENTRA_KNOWN_AUTHORITIES. */
  readonly host: string;
  /** PEM file of the self-signed certificate, for NODE_EXTRA_CA_CERTS. */
  readonly caFile: string;
  /** Every request, as `METHOD path`. */
  readonly requests: readonly string[];
  /** Token requests per client_id that got a token. */
  readonly tokensIssued: ReadonlyMap<string, number>;
  close(): Promise<void>;
}

const OPENID = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/;
const TOKEN = /^\/([^/]+)\/oauth2\/v2\.0\/token$/;

function selfSigned(dir: string): { key: string; cert: string } {
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'key.pem',
      '-out',
      'cert.pem',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
}

export async function startHttpsEntra(opts: TokenServiceOptions = {}): Promise<HttpsEntra> {
  const dir = mkdtempSync(join(tmpdir(), 'entra-https-'));
  const tls = selfSigned(dir);
  let origin = '';
  const tokens = new TokenService(
    opts,
    () => Date.now(),
    (tenant) => `${origin}/${tenant}/v2.0`,
  );
  const issued = new Map<string, number>();
  const requests: string[] = [];
  const server: Server = createServer(tls, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', origin).pathname;
      requests.push(`${req.method ?? ''} ${path}`);
      const json = (status: number, body: unknown) =>
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      const openid = OPENID.exec(path);
      if (openid && req.method === 'GET') {
        const tenant = openid[1] ?? '';
        const oauth = `${origin}/${tenant}/oauth2/v2.0`;
        return json(200, {
          token_endpoint: `${oauth}/token`,
          authorization_endpoint: `${oauth}/authorize`,
          end_session_endpoint: `${oauth}/logout`,
          device_authorization_endpoint: `${oauth}/devicecode`,
          issuer: `${origin}/${tenant}/v2.0`,
          jwks_uri: `${origin}/${tenant}/discovery/v2.0/keys`,
        });
      }
      const token = TOKEN.exec(path);
      if (token && req.method === 'POST') {
        const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
        const reply = tokens.token(token[1] ?? '', form);
        const client = form.get('client_id') ?? '';
        if (reply.status === 200) issued.set(client, (issued.get(client) ?? 0) + 1);
        return json(reply.status, reply.body);
      }
      json(404, { error: 'not_found', error_description: `${req.method ?? ''} ${path} is not served here` });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  origin = `https://127.0.0.1:${port}`;
  return {
    authorityHost: origin,
    host: `127.0.0.1:${port}`,
    caFile: join(dir, 'cert.pem'),
    requests,
    tokensIssued: issued,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
