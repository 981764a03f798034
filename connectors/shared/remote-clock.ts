import axios from 'axios';

/**
 * Reads a remote's clock from the HTTP `Date` header of any answer (a 401 or 404 will do: no
 * credentials are sent). Returns the remote time and our own clock at the middle of the
 * exchange, so the round trip does not count as skew. `Date` has whole seconds only.
 */
export async function readRemoteClock(
  url: string,
  timeoutMs: number,
  now: () => number = Date.now,
): Promise<{ remote: Date; local: Date }> {
  const sent = now();
  const res = await axios.get(url, {
    timeout: timeoutMs,
    maxRedirects: 0,
    validateStatus: () => true,
    responseType: 'text',
  });
  const local = new Date((sent + now()) / 2);
  const header: unknown = res.headers.date;
  const remote = typeof header === 'string' ? new Date(header) : undefined;
  if (!remote || Number.isNaN(remote.getTime())) throw new Error(`${new URL(url).host} sent no usable Date header`);
  return { remote, local };
}
