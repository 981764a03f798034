import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An HTTP server that accepts connections and reads requests but, while `stalling`, never
 * answers them: the "hung endpoint" of issue 12, which no status code or socket error reveals.
 * Otherwise `answer` replies. Stalled requests are counted and freed on close.
 */
export interface StallServer {
  readonly url: string;
  /** Requests that arrived while stalling (they never got an answer). */
  readonly stalled: number;
  /** Requests answered by `answer`. */
  readonly answered: number;
  stall(on: boolean): void;
  close(): Promise<void>;
}

export type Answer = (req: IncomingMessage, body: string, res: ServerResponse) => void;

export async function startStallServer(
  answer: Answer = (_req, _body, res) => res.writeHead(404).end(),
): Promise<StallServer> {
  let stalling = true;
  let stalled = 0;
  let answered = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (stalling) {
        stalled++;
        return;
      }
      answered++;
      answer(req, body, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get stalled() {
      return stalled;
    },
    get answered() {
      return answered;
    },
    stall(on) {
      stalling = on;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

/** An Answer that relays the request to `base` (e.g. a fake's token endpoint) and its reply back. */
export function forwardTo(base: string): Answer {
  return (req, body, res) => {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers))
      if (typeof v === 'string' && k !== 'host' && k !== 'content-length') headers[k] = v;
    const method = req.method ?? 'GET';
    fetch(`${base}${req.url ?? '/'}`, { method, headers, ...(method === 'GET' || method === 'HEAD' ? {} : { body }) })
      .then(async (r) => {
        const text = await r.text();
        res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'application/json' }).end(text);
      })
      .catch(() => res.writeHead(502).end());
  };
}
