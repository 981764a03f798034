import { AuthError as MsalAuthError } from '@azure/msal-node';
import { afterEach, describe, expect, it } from 'vitest';
import { startStallServer, type StallServer } from '../../test/fakes/shared/stall-server.ts';
import { createMsalNetworkClient } from './msal-network.ts';

let server: StallServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const failure = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => expect.fail('expected a failure'),
    (e: unknown) => e,
  );

describe('msal network client (issue 12)', () => {
  it('ends a token POST that is never answered as network_error, naming the timeout', async () => {
    server = await startStallServer();
    const err = await failure(
      createMsalNetworkClient(2_000).sendPostRequestAsync(`${server.url}/t/oauth2/v2.0/token`, {
        body: 'client_secret=s3cr3t',
      }),
    );
    expect(err).toBeInstanceOf(MsalAuthError);
    expect(err).toMatchObject({ errorCode: 'network_error' });
    expect((err as Error).message).toMatch(/no answer from 127\.0\.0\.1:\d+ within 2000 ms/);
    expect((err as Error).message).not.toContain('s3cr3t');
    expect(server.stalled).toBe(1);
  });

  it('uses the shorter of msal’s own GET timeout and ours', async () => {
    server = await startStallServer();
    const err = await failure(createMsalNetworkClient(60_000).sendGetRequestAsync(`${server.url}/discovery`, {}, 100));
    expect((err as Error).message).toMatch(/within 100 ms/);
  });

  it('returns status, lower-case headers and the parsed JSON body', async () => {
    server = await startStallServer((_req, body, res) =>
      res.writeHead(400, { 'X-Ms-Request-Id': 'r-1' }).end(JSON.stringify({ error: 'invalid_grant', echo: body })),
    );
    server.stall(false);
    const res = await createMsalNetworkClient(5_000).sendPostRequestAsync<{ error: string; echo: string }>(
      `${server.url}/token`,
      {
        body: 'grant_type=refresh_token',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      },
    );
    expect(res.status).toBe(400);
    expect(res.headers['x-ms-request-id']).toBe('r-1');
    expect(res.body).toEqual({ error: 'invalid_grant', echo: 'grant_type=refresh_token' });
  });

  it.each([
    [502, 'network_error'],
    [200, 'token_parsing_error'],
  ])('an HTML answer with HTTP %i is %s', async (status, code) => {
    server = await startStallServer((_req, _body, res) =>
      res.writeHead(status, { 'content-type': 'text/html' }).end('<html>proxy</html>'),
    );
    server.stall(false);
    const err = await failure(createMsalNetworkClient(5_000).sendPostRequestAsync(`${server.url}/token`, { body: '' }));
    expect(err).toMatchObject({ errorCode: code });
    expect((err as Error).message).not.toContain('proxy');
  });

  it('a refused connection is network_error with the socket code', async () => {
    server = await startStallServer();
    const { url } = server;
    await server.close();
    server = undefined;
    const err = await failure(createMsalNetworkClient(5_000).sendPostRequestAsync(`${url}/token`, { body: '' }));
    expect(err).toMatchObject({ errorCode: 'network_error' });
    expect((err as Error).message).toMatch(/ECONNREFUSED/);
  });
});
