import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A local alert webhook: records what it accepted, answers the queued status codes first. */
export interface AlertReceiver {
  url: string;
  posts: {
    body: { digest: { sections: { kind: string; items: { subject: string }[] }[] } };
    headers: IncomingHttpHeaders;
  }[];
  /** Status codes to answer, in order; 200 once they are used up. */
  answers: number[];
  close(): Promise<void>;
}

export async function startAlertReceiver(): Promise<AlertReceiver> {
  const r: Omit<AlertReceiver, 'url' | 'close'> = { posts: [], answers: [] };
  const server: Server = createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      const status = r.answers.shift() ?? 200;
      if (status === 200)
        r.posts.push({ body: JSON.parse(text) as AlertReceiver['posts'][number]['body'], headers: req.headers });
      res.writeHead(status).end(status === 200 ? 'ok' : 'down');
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return {
    ...r,
    get posts() {
      return r.posts;
    },
    get answers() {
      return r.answers;
    },
    set answers(v) {
      r.answers = v;
    },
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}
