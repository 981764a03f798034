import { inspect } from 'node:util';
import axios from 'axios';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../jobs/logger.ts';
import type { Referral } from '../../src/domain/referral.ts';
import type { PartnerCenterClient } from '../../src/ports/partner-center.ts';
import { makeReferral } from '../../test/fakes/partner-center/fixtures.ts';
import { type FakePartnerCenter, startFakePartnerCenter } from '../../test/fakes/partner-center/server.ts';
import { createAppTokenProvider } from './app-auth.ts';
import { createPartnerCenterClient } from './partner-center.client.ts';

// STYLE §3/§4: a raw AxiosError logged through pino printed the bearer token. Our errors are
// built fresh, so logging them as `{ err }` must not print the token the fake issued.

let fake: FakePartnerCenter;
let client: PartnerCenterClient;
const lines: string[] = [];
const log = createLogger({ level: 'debug', destination: { write: (line: string) => void lines.push(line) } });

beforeAll(async () => {
  fake = await startFakePartnerCenter();
  const tokens = createAppTokenProvider({
    ...fake.msalMetadata(fake.tenantId),
    clientId: 'c',
    clientSecret: 's',
    scope: 'x/.default',
  });
  client = createPartnerCenterClient({ tokens, baseUrl: fake.url });
});
afterAll(() => fake.close());

const failure = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => expect.fail('expected a failure'),
    (e: unknown) => e,
  );

describe('no bearer token in logs', () => {
  it('logs failed Partner Center calls without the token', async () => {
    const r = fake.upsert(makeReferral()) as Referral;
    fake.failNext(1, { status: 429, retryAfter: '2' });
    const errors = [
      await failure(client.getReferral(r.id)),
      await failure(client.getReferral('does-not-exist')),
      await failure(client.patchReferral(r.id, [{ op: 'replace', path: '/name', value: 'x' }], '"stale"')),
    ];
    for (const err of errors) log.error({ err, referralId: r.id }, 'partner center call failed');

    const [token] = fake.issuedAccessTokens();
    expect(token).toMatch(/^fake-at-/);
    const output = lines.join('');
    expect(output).toContain('RateLimitedError');
    expect(output).toContain('"retryAfterMs":2000');
    expect(output).toContain('NotFoundError');
    expect(output).toContain('ConflictError');
    expect(output).not.toContain(token);
    // Independent of the log serializer: the errors themselves hold no token (no axios `cause`).
    for (const err of errors) expect(inspect(err, { depth: 20, showHidden: true })).not.toContain(token);
  });

  it('backstop: even a raw AxiosError carrying the token is logged without it', async () => {
    const [token] = fake.issuedAccessTokens();
    const raw = await failure(
      axios.get(`${fake.url}/v1.0/engagements/referrals/nope`, { headers: { Authorization: `Bearer ${token}` } }),
    );
    lines.length = 0;
    log.error({ err: raw }, 'raw axios error');
    expect(lines.join('')).toContain('"status":404');
    expect(lines.join('')).not.toContain(token);
  });
});
