/*
 * `$batch` bodies: the multipart/mixed format of OData 4.0 (Part 1, §11.7) that Dataverse speaks
 * (Power Apps docs, "Execute batch operations using the Web API"). Pure; tested in
 * batch-multipart.test.ts and against test/fakes/dataverse.
 */

export interface BatchRequest {
  method: 'PATCH' | 'POST';
  /** Absolute URL (the docs accept absolute or service-root-relative). */
  url: string;
  headers: Record<string, string>;
  body: unknown;
}

export interface BatchResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const CRLF = '\r\n';

/**
 * Every request in a change set of its own: a change set is atomic, so one failing record
 * would roll back every other record sharing it. With `Prefer: odata.continue-on-error` on the
 * batch, the other change sets still run.
 */
export function buildBatch(requests: BatchRequest[], batchId: string): { contentType: string; body: string } {
  const batch = `batch_${batchId}`;
  const lines: string[] = [];
  requests.forEach((r, i) => {
    const changeset = `changeset_${batchId}_${i + 1}`;
    lines.push(`--${batch}`, `Content-Type: multipart/mixed; boundary=${changeset}`, '');
    lines.push(
      `--${changeset}`,
      'Content-Type: application/http',
      'Content-Transfer-Encoding: binary',
      `Content-ID: ${i + 1}`,
      '',
    );
    lines.push(`${r.method} ${r.url} HTTP/1.1`);
    for (const [k, v] of Object.entries(r.headers)) lines.push(`${k}: ${v}`);
    lines.push('Content-Type: application/json; type=entry', '', JSON.stringify(r.body), `--${changeset}--`, '');
  });
  lines.push(`--${batch}--`, '');
  return { contentType: `multipart/mixed; boundary=${batch}`, body: lines.join(CRLF) };
}

/** The `boundary` parameter of a multipart Content-Type, quoted or not. */
export function boundaryOf(contentType: string | undefined): string | undefined {
  const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? '');
  return m?.[1] ?? m?.[2];
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The parts between `--boundary` delimiters, each split into headers and body. */
function mimeParts(body: string, boundary: string): { headers: Record<string, string>; body: string }[] {
  const delimiter = new RegExp(`(?:^|\\r?\\n)--${escapeRe(boundary)}(--)?[ \\t]*(?:\\r?\\n|$)`, 'g');
  const parts: { headers: Record<string, string>; body: string }[] = [];
  let start: number | undefined;
  for (let m = delimiter.exec(body); m !== null; m = delimiter.exec(body)) {
    if (start !== undefined) parts.push(splitHead(body.slice(start, m.index)));
    if (m[1] === '--') break;
    start = m.index + m[0].length;
  }
  return parts;
}

function splitHead(text: string): { headers: Record<string, string>; body: string } {
  const gap = /\r?\n\r?\n/.exec(text);
  const head = gap ? text.slice(0, gap.index) : text;
  const rest = gap ? text.slice(gap.index + gap[0].length) : '';
  const headers: Record<string, string> = {};
  for (const line of head.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { headers, body: rest };
}

/** `HTTP/1.1 201 Created` + headers + body, as embedded in an application/http part. */
function httpResponse(text: string): BatchResponse | undefined {
  const trimmed = text.replace(/^(\r?\n)+/, '');
  const eol = /\r?\n/.exec(trimmed);
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(eol ? trimmed.slice(0, eol.index) : trimmed);
  if (!status?.[1]) return undefined;
  const { headers, body } = splitHead(eol ? trimmed.slice(eol.index + eol[0].length) : '');
  return { status: Number(status[1]), headers, body: body.trim() };
}

/**
 * One entry per top-level part, in order: the responses of a change set (a failed change set
 * answers with its one error response, not a nested multipart), or a single response.
 * Throws on a body that is not a multipart batch response.
 */
export function parseBatchResponse(contentType: string | undefined, body: string): BatchResponse[][] {
  const boundary = boundaryOf(contentType);
  if (!boundary) throw new Error('the $batch response is not multipart/mixed');
  return mimeParts(body, boundary).map((part) => {
    const type = part.headers['content-type'] ?? '';
    if (/^multipart\/mixed/i.test(type)) {
      const inner = boundaryOf(type);
      if (!inner) throw new Error('a change set response has no boundary');
      return mimeParts(part.body, inner)
        .map((p) => httpResponse(p.body))
        .filter((r): r is BatchResponse => r !== undefined);
    }
    const single = httpResponse(part.body);
    return single ? [single] : [];
  });
}
