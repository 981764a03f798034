import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuthError, RetryableError } from '../../src/errors.ts';
import { testKeys } from '../../test/fakes/salesforce/salesforce-harness.ts';
import { createSalesforceConnector } from './salesforce.connector.ts';

const HOST = 'https://refresh-loop.example.test';

beforeEach(() => nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

describe('salesforce session refresh', () => {
  it('gives up with AuthError when every new token is rejected too (no endless refresh loop)', async () => {
    let tokens = 0;
    nock(HOST)
      .post('/services/oauth2/token')
      .times(10)
      .reply(200, () => {
        tokens += 1;
        return {
          access_token: `tok-${tokens}`,
          instance_url: HOST,
          id: `${HOST}/id/00D000000000001AAA/005000000000001AAA`,
          token_type: 'Bearer',
        };
      })
      .patch(/\/services\/data\/v62\.0\/sobjects\/Opportunity\/Referral_Id__c\/.*/)
      .times(20)
      .reply(401, [{ errorCode: 'INVALID_SESSION_ID', message: 'Session expired or invalid' }], {
        'content-type': 'application/json',
      });
    const c = createSalesforceConnector({
      loginUrl: HOST,
      auth: { kind: 'jwt', clientId: 'cid', username: 'u', privateKey: testKeys().privateKey },
    });
    const err = await c
      .upsertOpportunities([{ referralId: 'LOOP-1', fields: { Name: 'x' }, account: null }])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect(tokens).toBeLessThanOrEqual(4);
  });

  it('surfaces RetryableError when the token endpoint is down while renewing the session', async () => {
    const token = {
      access_token: 'tok-1',
      instance_url: HOST,
      id: `${HOST}/id/00D000000000001AAA/005000000000001AAA`,
      token_type: 'Bearer',
    };
    const scope = nock(HOST)
      .post('/services/oauth2/token')
      .reply(200, token)
      .patch(/Referral_Id__c\/DOWN-1$/)
      .reply(401, [{ errorCode: 'INVALID_SESSION_ID', message: 'Session expired or invalid' }], {
        'content-type': 'application/json',
      })
      .post('/services/oauth2/token')
      .reply(503, '<html>maintenance</html>', { 'content-type': 'text/html' });
    const c = createSalesforceConnector({
      loginUrl: HOST,
      auth: { kind: 'jwt', clientId: 'cid', username: 'u', privateKey: testKeys().privateKey },
    });
    const err = await c
      .upsertOpportunities([{ referralId: 'DOWN-1', fields: { Name: 'x' }, account: null }])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetryableError);
    expect((err as Error).message).not.toContain('maintenance');
    expect(scope.isDone()).toBe(true);
  });
});
