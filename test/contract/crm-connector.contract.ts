import { afterEach, beforeEach, describe, it } from 'vitest';
import type { ContractCase, ContractTest, CrmContractHarness, MakeHarness } from './crm-harness.ts';
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
 * connector per test. A connector that fails a case is not changed here: its runner lists the
 * case in `knownFailures` with the reason, the case runs as `it.fails`, and the finding stays
 * visible (and turns red once the connector is fixed, so the entry is removed).
 */

export interface ContractOptions {
  /** Cases this connector is known to fail, with the reason. */
  knownFailures?: Partial<Record<ContractCase, string>>;
}

export function runCrmConnectorContract(name: string, makeHarness: MakeHarness, options: ContractOptions = {}): void {
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
      const known = options.knownFailures?.[id];
      if (known) it.fails(`${title} [${id}: known failure: ${known}]`, run);
      else it(`${title} [${id}]`, run);
    };

    upsertCases(test);
    outboundCases(test);
    shareCases(test);
  });
}
