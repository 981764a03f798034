import { randomUUID } from 'node:crypto';
import { dvError, type FakeReply } from './replies.ts';
import { handleEntity, type FakeRequest, type RouteState } from './routes.ts';

/*
 * `POST $batch` (multipart/mixed): top-level parts are single requests or change sets. A change
 * set runs atomically (a failure undoes its writes and answers with that one error, not a
 * nested multipart); the batch stops at the first failure unless `Prefer:
 * odata.continue-on-error`. Written independently of the connector's builder/parser, so each
 * checks the other.
 */

export interface BatchLog {
  requests: number;
  changesets: number;
  /** Entity sets (or actions) the inner requests addressed, de-duplicated. */
  targets: string[];
}

interface Part {
  headers: Record<string, string>;
  body: string;
}

const MAX_REQUESTS = 1000;

const boundaryOf = (type: string): string | undefined => /boundary=("?)([^";]+)\1/i.exec(type)?.[2];

function splitHead(text: string): Part {
  const gap = /\r?\n\r?\n/.exec(text);
  const head = gap ? text.slice(0, gap.index) : text;
  const headers: Record<string, string> = {};
  for (const line of head.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return { headers, body: gap ? text.slice(gap.index + gap[0].length) : '' };
}

function parts(text: string, boundary: string): Part[] {
  const out: Part[] = [];
  const chunks = text.split(new RegExp(`\\r?\\n?--${boundary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  for (const chunk of chunks.slice(1)) {
    if (chunk.startsWith('--')) break;
    out.push(splitHead(chunk.replace(/^[ \t]*\r?\n/, '')));
  }
  return out;
}

function innerRequest(state: RouteState, part: Part): FakeRequest | undefined {
  const eol = /\r?\n/.exec(part.body);
  const requestLine = eol ? part.body.slice(0, eol.index) : part.body;
  const m = /^(GET|PATCH|POST|DELETE|PUT) (\S+) HTTP\/1\.1$/.exec(requestLine.trim());
  if (!m?.[1] || !m[2]) return undefined;
  const inner = splitHead(eol ? part.body.slice(eol.index + eol[0].length) : '');
  const target = /^https?:/.test(m[2])
    ? m[2]
    : m[2].startsWith('/')
      ? `${state.base()}${m[2]}`
      : `${state.base()}${state.apiPath}/${m[2]}`;
  return { method: m[1], url: new URL(target), headers: inner.headers, body: inner.body.trim() };
}

const REASONS: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  204: 'No Content',
  400: 'Bad Request',
  404: 'Not Found',
  412: 'Precondition Failed',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
};

function httpPart(reply: FakeReply, contentId?: string): string {
  const lines = ['Content-Type: application/http', 'Content-Transfer-Encoding: binary'];
  if (contentId) lines.push(`Content-ID: ${contentId}`);
  lines.push('', `HTTP/1.1 ${reply.status} ${REASONS[reply.status] ?? 'Status'}`);
  for (const [k, v] of Object.entries(reply.headers ?? {})) lines.push(`${k}: ${v}`);
  if (reply.body !== undefined)
    lines.push(
      'Content-Type: application/json; odata.metadata=minimal',
      'OData-Version: 4.0',
      '',
      JSON.stringify(reply.body),
    );
  else lines.push('');
  return lines.join('\r\n');
}

/** A multipart answer, sent as is. */
export interface RawReply {
  status: number;
  headers: Record<string, string>;
  raw: string;
}

export function handleBatch(
  state: RouteState,
  contentType: string,
  body: string,
  prefer: string,
  log: BatchLog[],
): RawReply | FakeReply {
  const boundary = boundaryOf(contentType);
  if (!/^multipart\/mixed/i.test(contentType) || !boundary)
    return dvError(400, '0x80060888', 'The batch request must be multipart/mixed with a boundary.');
  const top = parts(body, boundary);
  const count = top.reduce(
    (n, p) =>
      n +
      (/^multipart\/mixed/i.test(p.headers['content-type'] ?? '')
        ? parts(p.body, boundaryOf(p.headers['content-type'] ?? '') ?? '').length
        : 1),
    0,
  );
  if (count > MAX_REQUESTS)
    return dvError(400, '0x8006088a', `The number of requests in a batch exceeds the limit of ${MAX_REQUESTS}.`);

  const continueOnError = /odata\.continue-on-error/.test(prefer);
  const entry: BatchLog = { requests: count, changesets: 0, targets: [] };
  const targets = new Set<string>();
  const response = `batchresponse_${randomUUID()}`;
  const out: string[] = [];
  const run = (p: Part): FakeReply => {
    const req = innerRequest(state, p);
    if (!req) return dvError(400, '0x80060888', 'Unreadable request in the batch.');
    targets.add(decodeURIComponent(req.url.pathname.slice(state.apiPath.length + 1)).replace(/\(.*$/, ''));
    return handleEntity(state, req);
  };

  for (const p of top) {
    const type = p.headers['content-type'] ?? '';
    let failed = false;
    if (/^multipart\/mixed/i.test(type)) {
      entry.changesets++;
      const members = parts(p.body, boundaryOf(type) ?? '');
      const replies: { reply: FakeReply; id: string | undefined }[] = [];
      const ok = state.store.atomically(() => {
        for (const m of members) {
          const reply = run(m);
          replies.push({ reply, id: m.headers['content-id'] });
          if (reply.status >= 400) return false;
        }
        return true;
      });
      if (ok) {
        const cs = `changesetresponse_${randomUUID()}`;
        out.push(
          `--${response}\r\nContent-Type: multipart/mixed; boundary=${cs}\r\n\r\n${replies.map((r) => `--${cs}\r\n${httpPart(r.reply, r.id)}`).join('\r\n')}\r\n--${cs}--`,
        );
      } else {
        failed = true;
        const failure = replies.at(-1)?.reply ?? dvError(500, '', 'change set failed');
        out.push(`--${response}\r\n${httpPart(failure)}`);
      }
    } else {
      const reply = run(p);
      failed = reply.status >= 400;
      out.push(`--${response}\r\n${httpPart(reply)}`);
    }
    if (failed && !continueOnError) break;
  }
  entry.targets = [...targets];
  log.push(entry);
  return {
    status: 200,
    headers: { 'content-type': `multipart/mixed; boundary=${response}` },
    raw: `${out.join('\r\n')}\r\n--${response}--\r\n`,
  };
}
