import { Queue } from 'bullmq';
import type { RedisConnection } from '../../connectors/redis/connection.ts';
import type { Logger } from 'pino';
import { type Clock, systemClock } from '../../src/ports/clock.ts';
import { DEFAULT_CERTIFICATE_HOSTS } from '../../src/webhooks/certificate-url.ts';
import { DEFAULT_RESOURCE_HOSTS } from '../../src/webhooks/resource-uri.ts';
import { DEFAULT_FRESHNESS, type FreshnessPolicy } from '../../src/webhooks/staleness.ts';
import {
  createCertificateFetcher,
  type CertificateFetcherOptions,
} from '../../connectors/partner-center-webhook/certificate-fetcher.ts';
import { createWebhookVerifier } from '../../connectors/partner-center-webhook/verifier.ts';
import type { CertificatePolicy } from '../../connectors/partner-center-webhook/verify-signature.ts';
import { QUEUE, syncJobId, syncJobOptions, type SyncJobData } from '../queues.ts';
import { handlePartnerCenterWebhook, type FetchRequest, type WebhookRequest, type WebhookResponse } from './handler.ts';

export interface WebhookIntakeOptions {
  connection: RedisConnection;
  prefix: string;
  /** SYNC_ATTEMPTS: the queued job is an ordinary sync job. */
  attempts: number;
  log: Logger;
  /** Exact hosts X-MS-Certificate-Url may name (default: DEFAULT_CERTIFICATE_HOSTS). */
  certificateHosts?: readonly string[] | undefined;
  /** Non-443 ports a certificate URL may name (default none). */
  certificatePorts?: readonly number[] | undefined;
  resourceHosts?: readonly string[] | undefined;
  freshness?: FreshnessPolicy | undefined;
  certificates?: CertificatePolicy | undefined;
  fetcher?: Omit<CertificateFetcherOptions, 'policy' | 'clock'> | undefined;
  clock?: Clock | undefined;
}

/** The sync job a webhook queues: BullMQ rejects ':' in ids, syncJobId cleans the date. */
const webhookJobId = (r: FetchRequest): string => syncJobId(r.referralId, `wh-${r.changedAt}`);

/**
 * The webhook endpoint's logic, wired: verifier with a cached certificate fetcher, and an enqueue
 * onto the sync queue with `fetch: true` so the sync reads the referral fresh from Partner Center.
 * The HTTP server calls `handle` with the raw body; `close` releases the queue handle.
 */
export function createWebhookIntake(o: WebhookIntakeOptions) {
  const clock = o.clock ?? systemClock;
  const urlPolicy = { allowedHosts: o.certificateHosts ?? DEFAULT_CERTIFICATE_HOSTS, allowedPorts: o.certificatePorts };
  const fetcher = createCertificateFetcher({ ...o.fetcher, policy: urlPolicy, clock });
  const verify = createWebhookVerifier({ urlPolicy, fetcher, certificates: o.certificates, clock });
  const queue = new Queue(QUEUE.sync, { connection: o.connection, prefix: o.prefix });

  const enqueue = async (r: FetchRequest) => {
    const jobId = webhookJobId(r);
    // Only for the answer and the log: `add` with an existing id is a no-op either way.
    const duplicate = (await queue.getJob(jobId)) !== undefined;
    const data: SyncJobData = { referralId: r.referralId, eTag: 'webhook', fetch: true };
    await queue.add('sync', data, { ...syncJobOptions(o.attempts), jobId });
    return { jobId, duplicate };
  };

  return {
    handle: (req: WebhookRequest): Promise<WebhookResponse> =>
      handlePartnerCenterWebhook(
        {
          verify,
          enqueue,
          freshness: o.freshness ?? DEFAULT_FRESHNESS,
          resourceHosts: o.resourceHosts ?? DEFAULT_RESOURCE_HOSTS,
          clock,
          log: o.log,
        },
        req,
      ),
    close: () => queue.close(),
  };
}
export type WebhookIntake = ReturnType<typeof createWebhookIntake>;
