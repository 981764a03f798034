import {
  AuthError as MsalAuthError,
  type INetworkModule,
  type NetworkRequestOptions,
  type NetworkResponse,
} from '@azure/msal-node';

/**
 * msal-node's own network client sets no deadline on token POSTs, so a token endpoint that
 * accepts the connection and never answers held a renewal for about 5 minutes (issue 12). This
 * one bounds every msal request, headers and body, by `timeoutMs`.
 *
 * Failures are thrown as msal AuthErrors, which msal passes through unchanged: `network_error`
 * (timeouts, refused connections, a non-JSON 5xx/429 page from a proxy) is classified as
 * retryable by fromMsalError; a non-JSON answer otherwise is `token_parsing_error`, as msal's
 * own client reports it. Messages name the host only: token URLs carry the tenant, bodies carry
 * secrets.
 */
export function createMsalNetworkClient(timeoutMs: number): INetworkModule {
  async function send<T>(
    method: 'GET' | 'POST',
    url: string,
    options?: NetworkRequestOptions,
    callerTimeoutMs?: number,
  ): Promise<NetworkResponse<T>> {
    const limit =
      callerTimeoutMs !== undefined && callerTimeoutMs > 0 ? Math.min(callerTimeoutMs, timeoutMs) : timeoutMs;
    const host = URL.canParse(url) ? new URL(url).host : 'the token endpoint';
    let res: Response;
    let text: string;
    try {
      res = await fetch(url, {
        method,
        headers: options?.headers ?? {},
        ...(method === 'POST' ? { body: options?.body ?? '' } : {}),
        // One signal for the whole exchange: it also aborts a body that stops half-way.
        signal: AbortSignal.timeout(limit),
        redirect: 'manual',
      });
      text = await res.text();
    } catch (err) {
      throw new MsalAuthError('network_error', '', networkMessage(err, host, limit));
    }
    const headers: Record<string, string> = {};
    res.headers.forEach((value, key) => {
      headers[key.toLowerCase()] = value;
    });
    let body: T;
    try {
      body = JSON.parse(text) as T;
    } catch {
      const transient = res.status >= 500 || res.status === 429;
      throw new MsalAuthError(
        transient ? 'network_error' : 'token_parsing_error',
        '',
        `${host} answered HTTP ${res.status} with a body that is not JSON`,
      );
    }
    return { headers, body, status: res.status };
  }
  return {
    sendGetRequestAsync: (url, options, timeout) => send('GET', url, options, timeout),
    sendPostRequestAsync: (url, options) => send('POST', url, options),
  };
}

function networkMessage(err: unknown, host: string, limit: number): string {
  const name = err instanceof Error ? err.name : '';
  if (name === 'TimeoutError' || name === 'AbortError')
    return `no answer from ${host} within ${limit} ms (token request timed out)`;
  // fetch wraps the socket error (ECONNREFUSED, ENOTFOUND) as `cause`; keep its code only.
  const cause = err instanceof Error ? (err.cause as { code?: unknown } | undefined) : undefined;
  const code = typeof cause?.code === 'string' ? cause.code : 'network failure';
  return `token request to ${host} failed (${code})`;
}
