import { randomUUID } from 'node:crypto';
import axios, { isAxiosError } from 'axios';
import { z } from 'zod';
import { ValidationError } from '../../src/errors.ts';
import type { TokenProvider } from '../../src/ports/partner-center.ts';
import type {
  WebhookRegistration,
  WebhookRegistrationApi,
  WebhookRegistrationRequest,
} from '../../src/ports/webhook-registration.ts';
import { toSyncError } from '../shared/http-failure.ts';

export interface RegistrationClientOptions {
  /**
   * A token for api.partnercenter.microsoft.com (the webhook API's host), not the Referrals API's
   * api.partner.microsoft.com: the scope differs (partner-center-webhooks, "Authentication").
   */
  tokens: TokenProvider;
  /** Default https://api.partnercenter.microsoft.com. */
  baseUrl?: string | undefined;
  timeoutMs?: number | undefined;
}

const REMOTE = 'partner-center-webhooks';
const REGISTRATION_PATH = '/webhooks/v1/registration';

/** Body of GET/POST/PUT (PascalCase as documented). Loose: extra fields are ignored. */
const RegistrationBody = z.looseObject({
  WebhookUrl: z.string().nullish(),
  WebhookEvents: z.array(z.string()).nullish(),
  SubscriberId: z.string().nullish(),
});

function toRegistration(data: unknown): WebhookRegistration | null {
  if (data === '' || data === null || data === undefined) return null;
  const parsed = RegistrationBody.safeParse(data);
  if (!parsed.success) throw new ValidationError(`${REMOTE}: registration response failed its schema`);
  const b = parsed.data;
  if (!b.WebhookUrl) return null;
  return {
    webhookUrl: b.WebhookUrl,
    events: b.WebhookEvents ?? [],
    ...(b.SubscriberId ? { subscriberId: b.SubscriberId } : {}),
  };
}

/** `…/webhooks/v1/registration` over axios. */
export function createWebhookRegistrationClient(o: RegistrationClientOptions): WebhookRegistrationApi {
  const url = `${(o.baseUrl ?? 'https://api.partnercenter.microsoft.com').replace(/\/+$/, '')}${REGISTRATION_PATH}`;
  // No redirects: they would replay the bearer token to wherever they point.
  const http = axios.create({ timeout: o.timeoutMs ?? 30_000, maxRedirects: 0 });

  async function send(method: 'GET' | 'POST' | 'PUT', body?: WebhookRegistrationRequest): Promise<unknown> {
    const token = await o.tokens.getAccessToken();
    try {
      const res = await http.request<unknown>({
        method,
        url,
        headers: {
          Authorization: `Bearer ${token}`,
          Accept: 'application/json',
          'MS-CorrelationId': randomUUID(),
          'MS-RequestId': randomUUID(),
          ...(body ? { 'Content-Type': 'application/json' } : {}),
        },
        ...(body
          ? {
              data: {
                WebhookUrl: body.webhookUrl,
                WebhookEvents: body.events,
                SignatureTokenToMsSignatureHeader: body.signatureInMsHeader,
              },
            }
          : {}),
      });
      return res.data;
    } catch (err) {
      // No registration yet: answered as 404 (UNCONFIRMED; an empty 200 is handled too).
      if (method === 'GET' && isAxiosError(err) && err.response?.status === 404) return null;
      throw toSyncError(err, { remote: REMOTE });
    }
  }

  const written = async (method: 'POST' | 'PUT', body: WebhookRegistrationRequest): Promise<WebhookRegistration> => {
    const r = toRegistration(await send(method, body));
    // Some APIs answer a write with an empty body; what we asked for is then what is registered.
    return r ?? { webhookUrl: body.webhookUrl, events: [...body.events] };
  };

  return {
    get: async () => toRegistration(await send('GET')),
    create: (body) => written('POST', body),
    update: (body) => written('PUT', body),
  };
}
