import type { IncomingMessage } from 'node:http';
import type { FakeCounters } from './fake-salesforce.ts';

/* Small HTTP helpers of the fake server. */

/** parseJson's answer for a body that is not JSON (undefined means no body). */
export const INVALID = Symbol('invalid');

export function parseJson(raw: string): unknown {
  if (raw === '') return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return INVALID;
  }
}

export function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

export function batchSize(value: string | undefined): number | undefined {
  const m = value ? /batchSize=(\d+)/i.exec(value) : null;
  // Salesforce clamps batchSize to 200..2000.
  return m?.[1] ? Math.min(2000, Math.max(200, Number(m[1]))) : undefined;
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export function emptyCounters(): FakeCounters {
  return {
    token: 0,
    query: 0,
    queryMore: 0,
    describe: 0,
    describeGlobal: 0,
    retrieve: 0,
    create: 0,
    update: 0,
    delete: 0,
    upsertSingle: 0,
    upsertCollection: 0,
    createCollection: 0,
    updateCollection: 0,
    composite: 0,
    unknown: 0,
    total: 0,
  };
}
