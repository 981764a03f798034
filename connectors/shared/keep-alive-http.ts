import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';

/*
 * A lean HTTP client for the one call a sync job makes per referral, the Partner Center write-back
 * PATCH (issue 19): axios cost 426–520 µs per PATCH against 118–230 µs for node:http, partly
 * because it sets TCP keep-alive on the socket for every request. Kept sockets live in a bounded
 * pool; axios stays for everything else (paging, token-bearing reads), where its cost is per page.
 */

export interface KeepAliveHttpOptions {
  /** Whole-request timeout in ms (HTTP_TIMEOUT_MS). */
  timeoutMs: number;
  /** Sockets per host at most; requests beyond wait for a free one (default 64). */
  maxSockets?: number;
}

export interface PlainResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A network failure, carrying only Node's error code and a message without request details. */
export class NetworkFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'NetworkFailure';
  }
}

// 64 sockets at 20 ms per call carry ~3 000 calls/s, far above any write-back rate; the bound
// keeps 400 concurrent jobs from opening 400 connections to one host.
const DEFAULT_MAX_SOCKETS = 64;
// An idle kept socket is closed after 4 s, before a server's own idle close (Node's 5 s default,
// many load balancers more), so a request rarely meets a socket the server is closing.
const IDLE_MS = 4_000;

export function createKeepAliveHttp(options: KeepAliveHttpOptions) {
  const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? DEFAULT_MAX_SOCKETS, timeout: IDLE_MS };
  const agents = { http: new http.Agent(agentOptions), https: new https.Agent(agentOptions) };

  function once(method: string, url: URL, headers: Record<string, string>, body: string | undefined) {
    const secure = url.protocol === 'https:';
    // Looked up per call (not imported by name), so interceptors such as nock in tests see it.
    const send = secure ? https.request : http.request;
    return new Promise<{ res: PlainResponse } | { err: NetworkFailure; reused: boolean }>((resolve) => {
      const req = send(url, {
        method,
        agent: secure ? agents.https : agents.http,
        headers: body === undefined ? headers : { ...headers, 'Content-Length': String(Buffer.byteLength(body)) },
      });
      let reused = false;
      req.on('socket', () => {
        reused = req.reusedSocket;
      });
      // A deadline for the whole call, answer included (a socket idle timeout would let a trickle run on).
      const deadline = setTimeout(() => {
        req.destroy(new NetworkFailure('ECONNABORTED', `timeout of ${options.timeoutMs}ms exceeded`));
      }, options.timeoutMs);
      const done = (r: { res: PlainResponse } | { err: NetworkFailure; reused: boolean }): void => {
        clearTimeout(deadline);
        resolve(r);
      };
      req.on('error', (e: NodeJS.ErrnoException) => {
        // Only Node's code and message leave: the request (and its Authorization header) does not.
        const failure =
          e instanceof NetworkFailure ? e : new NetworkFailure(e.code ?? 'ERR_NETWORK', e.message || 'network error');
        done({ err: failure, reused });
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          done({
            res: { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() },
          }),
        );
        res.on('error', (e: NodeJS.ErrnoException) =>
          done({ err: new NetworkFailure(e.code ?? 'ERR_NETWORK', e.message || 'network error'), reused }),
        );
      });
      req.end(body);
    });
  }

  return {
    /**
     * One request. A kept socket the server closed just as it was reused (ECONNRESET before any
     * answer) is retried once on a new one: safe for a PATCH sent with If-Match, which a second
     * delivery cannot apply twice (it answers 412).
     */
    async request(method: string, url: URL, headers: Record<string, string>, body?: string): Promise<PlainResponse> {
      let r = await once(method, url, headers, body);
      if ('err' in r && r.reused && r.err.code === 'ECONNRESET') r = await once(method, url, headers, body);
      if ('err' in r) throw r.err;
      return r.res;
    },
    close(): void {
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}
export type KeepAliveHttp = ReturnType<typeof createKeepAliveHttp>;
