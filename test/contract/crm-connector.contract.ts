import { afterEach, beforeEach, describe, it } from 'vitest';
import type { ContractTest, CrmContractHarness, MakeHarness } from './crm-harness.ts';
import { outboundCases } from './outbound.cases.ts';
import { upsertCases } from './upsert.cases.ts';
import { shareCases } from './share.cases.ts';

export { CONTRACT_CASES } from './crm-harness.ts';
export type {
  ContractCase,
  CrmContractHarness,
  MakeHarness,
  NeutralOpportunity,
  SellerEdit,
  ShareSetup,
} from './crm-harness.ts';

/*
 * One contract for every CRM connector (STYLE §3, issue 6): each case is a behaviour a user of
 * the sync relies on, checked over real HTTP against the CRM's fake with a fresh fake and
 * connector per test. Every connector passes every case; a test title names its case id.
 */

export function runCrmConnectorContract(name: string, makeHarness: MakeHarness): void {
  describe(`CRM connector contract: ${name}`, () => {
    let harness: CrmContractHarness | undefined;
    beforeEach(async () => {
      harness = await makeHarness();
    });
    afterEach(async () => {
      await harness?.close();
      harness = undefined;
    });

    const test: ContractTest = (id, title, fn) => {
      const run = async (): Promise<void> => {
        if (!harness) throw new Error('no harness: makeHarness failed');
        await fn(harness);
      };
      it(`${title} [${id}]`, run);
    };

    upsertCases(test);
    outboundCases(test);
    shareCases(test);
  });
}
