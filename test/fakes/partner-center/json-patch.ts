import type { FakeReferral } from './referral-index.ts';

export interface PatchOp {
  op: string;
  path: string;
  value?: unknown;
}

/** Fields the service owns; a patch touching them is rejected like a bad request. */
const READ_ONLY = new Set(['id', 'eTag', 'updatedDateTime', 'createdDateTime', 'links']);

const unescape = (segment: string): string => segment.replace(/~1/g, '/').replace(/~0/g, '~');

const isContainer = (v: unknown): v is Record<string, unknown> | unknown[] => typeof v === 'object' && v !== null;

/**
 * Applies JSON Patch `replace`/`add` (the only ops Partner Center accepts, docs/partner-center-referrals-api.md,
 * "Updates: PATCH, If-Match and 412") to a
 * copy of `doc`. Lenient where the service's behaviour is unknown: missing parent objects are
 * created, and `/team/-` on a referral without a team starts the array. Returns an error
 * message instead of throwing so the server can answer 400.
 */
export function applyPatch(
  doc: FakeReferral,
  ops: unknown,
): { ok: true; doc: FakeReferral } | { ok: false; error: string } {
  if (!Array.isArray(ops) || ops.length === 0) return { ok: false, error: 'body must be a non-empty JSON Patch array' };
  const out = structuredClone(doc);
  for (const raw of ops as unknown[]) {
    if (!isContainer(raw) || Array.isArray(raw)) return { ok: false, error: 'each operation must be an object' };
    const { op, path, value } = raw as Partial<PatchOp>;
    if (op !== 'replace' && op !== 'add')
      return { ok: false, error: `unsupported op '${String(op)}': only replace and add` };
    if (typeof path !== 'string' || !path.startsWith('/')) return { ok: false, error: 'path must be a JSON pointer' };
    const segments = path.slice(1).split('/').map(unescape);
    if (READ_ONLY.has(segments[0] ?? '')) return { ok: false, error: `${path} is read-only` };
    const error = setAt(out, segments, value, op);
    if (error) return { ok: false, error };
  }
  return { ok: true, doc: out };
}

function setAt(root: Record<string, unknown>, segments: string[], value: unknown, op: string): string | undefined {
  let node: Record<string, unknown> | unknown[] = root;
  for (let i = 0; i < segments.length - 1; i++) {
    const seg = segments[i] as string;
    const nextIsAppend = segments[i + 1] === '-';
    if (Array.isArray(node)) {
      const child: unknown = node[Number(seg)];
      if (!isContainer(child)) return `/${segments.slice(0, i + 1).join('/')} does not exist`;
      node = child;
      continue;
    }
    const child: unknown = node[seg];
    if (!isContainer(child)) node[seg] = nextIsAppend ? [] : {};
    node = node[seg] as Record<string, unknown> | unknown[];
  }
  const last = segments[segments.length - 1] as string;
  if (!Array.isArray(node)) {
    node[last] = value;
    return undefined;
  }
  if (last === '-') {
    if (op !== 'add') return "'-' is only valid with add";
    node.push(value);
    return undefined;
  }
  const index = Number(last);
  if (!Number.isInteger(index) || index < 0 || index > node.length) return `array index ${last} out of range`;
  if (op === 'add') node.splice(index, 0, value);
  else if (index === node.length) return `array index ${last} out of range`;
  else node[index] = value;
  return undefined;
}
