import type { Logger } from '../../../src/log/logger.ts';
import {
  createDynamicsConnector,
  type DynamicsConnector,
  type DynamicsOptionsInput,
} from '../../../connectors/dynamics/index.ts';
import { startFakeDataverse, type FakeDataverse, type FakeDataverseOptions } from './server.ts';

export interface DataverseHarness {
  fake: FakeDataverse;
  connector: DynamicsConnector;
  /** Another connector on the same fake (a second worker process). */
  another(overrides?: Partial<DynamicsOptionsInput>): DynamicsConnector;
  close(): Promise<void>;
}

/** The fake plus a connector signed in to it with real msal + axios over HTTP. */
export async function startDataverseHarness(
  opts: { fake?: FakeDataverseOptions; connector?: Partial<DynamicsOptionsInput>; log?: Logger } = {},
): Promise<DataverseHarness> {
  const fake = await startFakeDataverse({ clientId: 'dv-client', clientSecret: 'dv-secret', ...opts.fake });
  const make = (overrides: Partial<DynamicsOptionsInput> = {}): DynamicsConnector => {
    const meta = fake.msalMetadata();
    return createDynamicsConnector(
      {
        url: fake.url,
        auth: {
          authorityHost: meta.authorityHost,
          tenantId: meta.tenantId,
          clientId: 'dv-client',
          clientSecret: 'dv-secret',
          authorityMetadata: meta.authorityMetadata,
          cloudDiscoveryMetadata: meta.cloudDiscoveryMetadata,
        },
        timeoutMs: 10_000,
        ...opts.connector,
        ...overrides,
      },
      opts.log,
    );
  };
  return { fake, connector: make(), another: make, close: () => fake.close() };
}
