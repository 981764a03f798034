/*
 * The HTTP server's own vocabulary. Handlers are framework-free (as in bull-board): they take an
 * HttpRequest and return { status, body }; server.ts adapts them to express.
 */

export type Role = 'viewer' | 'operator';

/** Who is asking. `user` is what action logs name (never a token or password). */
export interface Identity {
  user: string;
  role: Role;
  via: 'token' | 'basic' | 'upstream' | 'anonymous';
}

export interface HttpRequest {
  method: string;
  path: string;
  params: Readonly<Record<string, string>>;
  query: URLSearchParams;
  /** Lower-case names, repeated headers joined with ", ". */
  headers: Readonly<Record<string, string | undefined>>;
  /** Every value of every header, unjoined (a signature check refuses a duplicated header). */
  headersDistinct: Readonly<Record<string, readonly string[] | undefined>>;
  /** The raw body (empty for GET): a signature check needs the exact bytes. */
  body: Buffer;
  /** Null only on `public` routes reached without credentials. */
  identity: Identity | null;
}

export interface HttpResponse {
  status: number;
  /** A string is sent as text/html unless `headers` says otherwise; objects and arrays as JSON. */
  body: string | Buffer | Record<string, unknown> | unknown[];
  headers?: Record<string, string>;
}

/**
 * One route of the server. `access` is the least role needed; `public` routes skip
 * authentication and the same-origin check (a webhook proves itself by its signature).
 */
export interface HttpRoute {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** express 5 path, e.g. `/webhooks/partner-center` or `/referrals/:id`. */
  path: string;
  access: 'public' | Role;
  /** Largest request body read; a larger one is refused with 413 while it streams in. */
  maxBodyBytes?: number;
  handler(req: HttpRequest): Promise<HttpResponse> | HttpResponse;
}

export const hasRole = (identity: Identity | null, needed: Role): boolean =>
  identity !== null && (needed === 'viewer' || identity.role === 'operator');
