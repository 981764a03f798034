import type { RedisConnection } from '../../connectors/redis/connection.ts';
import type { Env } from '../../src/config/env.ts';
import type { WebhookRegistrationApi } from '../../src/ports/webhook-registration.ts';
import {
  describeRegisterResult,
  describeRegistration,
  registerWebhook,
  type RegisterOptions,
} from '../../src/webhooks/register.ts';
import { createWebhookRegistrationClient } from '../../connectors/partner-center-webhook/registration-client.ts';
import { createTokenProvider, partnerCenterAuthFromEnv } from '../../connectors/partner-center/token-provider.ts';
import { createRedisKeyValueStore } from '../../connectors/redis/kv-store.ts';

/**
 * The webhook API lives on api.partnercenter.microsoft.com and wants a token for that resource
 * (partner-center-webhooks, "Authentication"). The v2 `/.default` form is UNCONFIRMED, as for the
 * Referrals API (docs/partner-center-referrals-api.md, "Authentication"); the app registration needs the Partner
 * Center API permission.
 */
const DEFAULT_WEBHOOK_API_URL = 'https://api.partnercenter.microsoft.com';
const DEFAULT_WEBHOOK_SCOPE = 'https://api.partnercenter.microsoft.com/.default';

/** The registration API from the environment, with the same sign-in as the worker but its own scope. */
export function webhookRegistrationApiFromEnv(
  env: Env,
  redis: RedisConnection,
  o: { baseUrl?: string; scope?: string } = {},
): WebhookRegistrationApi {
  const auth = partnerCenterAuthFromEnv(env, { kv: createRedisKeyValueStore(redis, env.REDIS_PREFIX) });
  const tokens = createTokenProvider({ ...auth, scope: o.scope ?? DEFAULT_WEBHOOK_SCOPE });
  return createWebhookRegistrationClient({
    tokens,
    baseUrl: o.baseUrl ?? DEFAULT_WEBHOOK_API_URL,
    timeoutMs: env.HTTP_TIMEOUT_MS,
  });
}

/** `referral-sync webhook show`. */
export async function showWebhookRegistration(api: WebhookRegistrationApi, out: NodeJS.WritableStream): Promise<void> {
  out.write(`${describeRegistration(await api.get())}\n`);
}

/**
 * `referral-sync webhook register --url … [--events …] [--force]`: prints the existing
 * registration and what was done. Returns the exit code: 1 when refused.
 */
export async function runWebhookRegister(
  api: WebhookRegistrationApi,
  o: RegisterOptions,
  out: NodeJS.WritableStream,
): Promise<number> {
  const result = await registerWebhook(api, o);
  out.write(`${describeRegisterResult(result)}\n`);
  return result.action === 'refused' ? 1 : 0;
}
