import type { ConnectionName } from '../src/health/credential-failure.ts';
import type { PartnerCenterClient, TokenProvider } from '../src/ports/partner-center.ts';
import { EXPIRY_QUEUE } from './expiry-queues.ts';
import { outboundQueues } from './outbound-queues.ts';
import { QUEUE } from './queues.ts';

const sf = outboundQueues('salesforce');
const dyn = outboundQueues('dynamics');

/**
 * Which queues stop with which connection. Sync reads Partner Center and writes the CRM; push
 * reads the CRM snapshot and writes Partner Center; the CRM poll and the expiry scan write the CRM.
 * The expiry webhook queue posts to Slack/Teams and needs neither.
 */
export const CONNECTION_QUEUES: Record<ConnectionName, readonly string[]> = {
  'partner-center': [QUEUE.pull, QUEUE.sync, sf.push, dyn.push],
  salesforce: [QUEUE.sync, sf.poll, sf.push, EXPIRY_QUEUE.scan],
  dynamics: [QUEUE.sync, dyn.poll, dyn.push, EXPIRY_QUEUE.scan],
};

/**
 * A token, then (with a client) one small list call: a token alone can still be issued for an
 * account that lost its Referrals role, or be a cached one Partner Center already refuses.
 */
export function partnerCenterProbe(tokens: TokenProvider, client?: PartnerCenterClient): () => Promise<void> {
  return async () => {
    await tokens.getAccessToken();
    if (!client) return;
    for await (const _page of client.listReferrals({ updatedSince: new Date(), pageSize: 1 })) break;
  };
}

/** A describe of the object we write: signs in again when the session is gone (jsforce refreshFn). */
export function salesforceProbe(connector: {
  describe(object: string): Promise<unknown>;
  settings: { objectName: string };
}): () => Promise<void> {
  return async () => {
    await connector.describe(connector.settings.objectName);
  };
}

/** One row of the opportunity entity set, selecting the alternate key: sign-in, entity set and column in one call. */
export function dynamicsProbe(connector: {
  http: { call(req: { method: 'GET'; path: string }): Promise<unknown> };
  settings: { entitySet: string; alternateKey: string };
}): () => Promise<void> {
  return async () => {
    const { entitySet, alternateKey } = connector.settings;
    await connector.http.call({ method: 'GET', path: `${entitySet}?$select=${alternateKey}&$top=1` });
  };
}
