import type { Logger } from 'pino';

export type { Logger };

/** Paths the root logger blanks out (src/log/redact.ts): a backstop only; the error serializer is the real guard. */
export const REDACT_PATHS = [
  '*.accessToken',
  '*.access_token',
  '*.refreshToken',
  '*.refresh_token',
  '*.idToken',
  '*.id_token',
  '*.clientSecret',
  '*.client_secret',
  '*.password',
  '*.privateKey',
  '*.assertion',
  '*.authorization',
  '*.Authorization',
  '*.headers.authorization',
  '*.headers.Authorization',
  'accessToken',
  'refreshToken',
  'clientSecret',
  'authorization',
  'headers.authorization',
  '*.email',
  '*.phoneNumber',
];

const SECRET_KEY = /token|secret|password|authorization|assertion|private.?key|cookie|signature/i;
// Linear on any input (issue 14): a JWT may start only where a run of its characters starts, and
// a PEM block's lazy scan stops at the next BEGIN. Otherwise 'eyJ' or BEGIN lines repeated through
// a long text made each occurrence rescan the rest: quadratic time.
const SECRET_VALUE = new RegExp(
  [
    String.raw`(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+`,
    String.raw`(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*`,
    String.raw`-----BEGIN [A-Z ]*PRIVATE KEY-----(?:(?!-----BEGIN )[\s\S])*?-----END [A-Z ]*PRIVATE KEY-----`,
  ].join('|'),
  'g',
);

/** Blanks bearer/basic credentials, JWTs and PEM keys inside a free-text string. */
export function scrubText(text: string): string {
  return text.replace(SECRET_VALUE, '[redacted]');
}

/**
 * pino `err` serializer. Keeps a whitelist (type, message, stack, code, status, retryAfterMs,
 * field, referralId, cause chain) and nothing else: axios errors carry `config.headers`,
 * `request._header` and `response.config`, all of which hold the bearer token (STYLE §4).
 */
export function serializeError(err: unknown, depth = 0): Record<string, unknown> {
  if (!(err instanceof Error)) return { message: scrubText(String(err)) };
  const e = err as Error & Record<string, unknown>;
  const out: Record<string, unknown> = {
    type: e.name,
    message: scrubText(e.message),
  };
  if (typeof e.stack === 'string') out.stack = scrubText(e.stack);
  for (const key of [
    'code',
    'errorCode',
    'status',
    'statusCode',
    'retryAfterMs',
    'field',
    'referralId',
    'remote',
  ] as const) {
    const v = e[key];
    if (typeof v === 'string' || typeof v === 'number') out[key] = typeof v === 'string' ? scrubText(v) : v;
  }
  const response = e.response as { status?: unknown } | undefined;
  if (response && typeof response.status === 'number' && out.status === undefined) out.status = response.status;
  if (e.cause !== undefined && depth < 3) out.cause = serializeError(e.cause, depth + 1);
  return out;
}

/** Deep-copies a log object, blanking values under secret-looking keys. For ad-hoc objects. */
export function scrubObject(value: unknown, depth = 0): unknown {
  if (depth > 6) return '[depth]';
  if (typeof value === 'string') return scrubText(value);
  if (Array.isArray(value)) return value.map((v) => scrubObject(v, depth + 1));
  if (value instanceof Error) return serializeError(value);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, SECRET_KEY.test(k) ? '[redacted]' : scrubObject(v, depth + 1)]),
    );
  }
  return value;
}
