import { generateKeyPairSync } from 'node:crypto';
import type { Logger } from '../../../src/log/logger.ts';
import { createSalesforceConnector, type SalesforceConnector } from '../../../connectors/salesforce/index.ts';
import type { SalesforceOptionsInput } from '../../../connectors/salesforce/index.ts';
import { startFakeSalesforce, type FakeSalesforce, type FakeSalesforceOptions } from './fake-salesforce.ts';

export const TEST_CLIENT_ID = 'test-consumer-key';
export const TEST_USERNAME = 'integration@referral-sync.test';
export const TEST_CLIENT_SECRET = 'test-client-secret-value';

let keys: { privateKey: string; publicKey: string } | undefined;

/** One RSA key pair per test process, made at test time (never committed). */
export function testKeys(): { privateKey: string; publicKey: string } {
  keys ??= generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return keys;
}

export interface SalesforceHarness {
  fake: FakeSalesforce;
  connector: SalesforceConnector;
  /** Options the connector was made with (more connectors can share the fake). */
  options: SalesforceOptionsInput;
  close(): Promise<void>;
}

export interface HarnessOptions {
  auth?: 'jwt' | 'client_credentials';
  fake?: FakeSalesforceOptions;
  connector?: Partial<Omit<SalesforceOptionsInput, 'auth'>>;
  log?: Logger;
}

/** A fake org accepting both grants, and a real jsforce-based connector signed in against it. */
export async function startSalesforceHarness(h: HarnessOptions = {}): Promise<SalesforceHarness> {
  const { privateKey, publicKey } = testKeys();
  const fake = await startFakeSalesforce({
    jwt: { clientId: TEST_CLIENT_ID, username: TEST_USERNAME, publicKey },
    clientCredentials: { clientId: TEST_CLIENT_ID, clientSecret: TEST_CLIENT_SECRET },
    ...h.fake,
  });
  const options: SalesforceOptionsInput = {
    loginUrl: fake.url,
    auth:
      h.auth === 'client_credentials'
        ? { kind: 'client_credentials', clientId: TEST_CLIENT_ID, clientSecret: TEST_CLIENT_SECRET }
        : { kind: 'jwt', clientId: TEST_CLIENT_ID, username: TEST_USERNAME, privateKey },
    ...(h.auth === 'client_credentials' ? { instanceUrl: fake.url } : {}),
    ...h.connector,
  };
  const connector = createSalesforceConnector(options, h.log);
  return { fake, connector, options, close: () => fake.close() };
}
