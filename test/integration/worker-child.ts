/*
 * A worker process for crash tests: started with `node --import tsx`, it builds the real runtime
 * against the fakes named in WORKER_CHILD_CONFIG, pulls once and then works the queue until it
 * is killed. Its log goes to stdout for the parent to scan for secrets.
 */
import { z } from 'zod';
import type { Referral } from '../../src/domain/referral.ts';
import { toOpportunityDraft } from '../../src/mapping/apply.ts';
import { createAppTokenProvider } from '../../connectors/partner-center/app-auth.ts';
import { createPartnerCenterClient } from '../../connectors/partner-center/partner-center.client.ts';
import { createSalesforceConnector } from '../../connectors/salesforce/index.ts';
import { createLogger } from '../../jobs/logger.ts';
import { loadMappingFile } from '../../jobs/mapping-file.ts';
import { startRuntime } from '../../jobs/runtime.ts';
import { routeAllTo } from '../../jobs/crm-binding.ts';
import { toLevels } from '../../src/expiry/levels.ts';
import { isContactMeRequest } from '../../src/mapping/contact-me.ts';
import { createWebhookPoster } from '../../connectors/webhook/webhook-poster.ts';
import { referralLinkOf } from '../../jobs/compose.ts';

const Config = z.object({
  redisUrl: z.string(),
  prefix: z.string(),
  pc: z.object({
    url: z.string(),
    clientId: z.string(),
    clientSecret: z.string(),
    metadata: z.object({
      authorityHost: z.string(),
      tenantId: z.string(),
      authorityMetadata: z.string(),
      cloudDiscoveryMetadata: z.string(),
    }),
  }),
  sf: z.object({ url: z.string(), clientId: z.string(), username: z.string(), privateKey: z.string() }),
  concurrency: z.number(),
  /** The upsert batcher's quiet window (default 50 ms; production's default is 500 ms). */
  batchWindowMs: z.number().optional(),
  /** Run as `start` does: repeatable pull (and CRM poll with `outbound`) instead of one pull at start. */
  schedule: z.object({ pullIntervalMs: z.number(), pollIntervalMs: z.number() }).optional(),
  /** Outbound sync (poll and push) for Salesforce. */
  outbound: z.boolean().optional(),
  /** Sharing opportunities with Microsoft (issue 16); needs outbound. */
  share: z.boolean().optional(),
  stateCheckIntervalMs: z.number().optional(),
  /** Ops notices (Redis data loss) go to this JSON receiver. */
  notifyUrl: z.string().optional(),
  failedSweepIntervalMs: z.number().optional(),
  /** Runs the expiry engine too, posting alerts to this JSON receiver, on short fault-test timings. */
  expiry: z.object({ webhookUrl: z.string(), scanIntervalMs: z.number() }).optional(),
});

const config = Config.parse(JSON.parse(process.env.WORKER_CHILD_CONFIG ?? '{}'));
const log = createLogger({ level: 'info' });
const mapping = await loadMappingFile('config/mapping.default.yaml');
const tokens = createAppTokenProvider({
  ...config.pc.metadata,
  clientId: config.pc.clientId,
  clientSecret: config.pc.clientSecret,
  scope: 'https://api.partner.microsoft.com/.default',
});
const outboundFields = mapping.salesforce?.outbound;
const connector = createSalesforceConnector({
  loginUrl: config.sf.url,
  auth: { kind: 'jwt', clientId: config.sf.clientId, username: config.sf.username, privateKey: config.sf.privateKey },
  ...(config.outbound && outboundFields ? { outbound: { fields: outboundFields, rules: mapping.outbound } } : {}),
});
const partnerCenter = createPartnerCenterClient({ tokens, baseUrl: config.pc.url, pageSize: 100 });
const rt = await startRuntime({
  redisUrl: config.redisUrl,
  prefix: config.prefix,
  partnerCenter,
  crms: [
    {
      connector,
      toDraft: (r: Referral, now: Date) => toOpportunityDraft('salesforce', r, now, mapping),
      expiry: connector,
      outbound:
        config.outbound && outboundFields
          ? {
              crm: connector,
              rules: mapping.outbound,
              valueFields: outboundFields,
              pollIntervalMs: config.schedule?.pollIntervalMs ?? 60_000,
              overlapMs: 60_000,
            }
          : undefined,
      share:
        config.outbound && outboundFields && config.share
          ? {
              partnerCenter,
              crm: connector,
              rules: mapping.outbound.share,
              linkOf: referralLinkOf(mapping.referralLink),
              pollIntervalMs: config.schedule?.pollIntervalMs ?? 60_000,
            }
          : undefined,
    },
  ],
  route: routeAllTo('salesforce'),
  log,
  pullIntervalMs: config.schedule?.pullIntervalMs ?? 60_000,
  overlapMs: 60_000,
  initialSince: new Date(0),
  pageSize: 100,
  concurrency: config.concurrency,
  attempts: 10,
  batchWindowMs: config.batchWindowMs ?? 50,
  schedulePull: config.schedule !== undefined,
  schedulePolls: config.schedule !== undefined,
  ...(config.stateCheckIntervalMs ? { stateCheckIntervalMs: config.stateCheckIntervalMs } : {}),
  ...(config.notifyUrl
    ? { notify: createWebhookPoster({ url: config.notifyUrl, format: 'json', timeoutMs: 5_000 }).postNotice }
    : {}),
  ...(config.failedSweepIntervalMs ? { failedSweepIntervalMs: config.failedSweepIntervalMs } : {}),
  lockDurationMs: 2_000,
  stalledIntervalMs: 1_000,
  ...(config.expiry
    ? {
        expiry: {
          levels: toLevels(mapping.expiry?.levelsHours),
          timeZone: 'UTC',
          linkTemplate: null,
          isContactMe: (r: Referral) => isContactMeRequest(mapping, r),
          webhook: createWebhookPoster({ url: config.expiry.webhookUrl, format: 'json', timeoutMs: 5_000 }),
          scanIntervalMs: config.expiry.scanIntervalMs,
          schedule: true,
          // A killed worker's claim and jobs come back within seconds, not the production minutes.
          claimLeaseMs: 3_000,
          lockDurationMs: 2_000,
          stalledIntervalMs: 1_000,
        },
      }
    : {}),
});
if (config.schedule === undefined) {
  await rt.runPull();
  log.info('child pulled; working the queue');
} else {
  log.info('child started; pulls on its schedule');
}
