import { WEBHOOK_MAX_BODY_BYTES, type WebhookRequest, type WebhookResponse } from '../webhook-intake/handler.ts';
import type { HttpRoute } from './types.ts';

/**
 * Mounts the Partner Center webhook intake (jobs/webhook-intake/) on the HTTP server:
 * `startHttpServer(deps, { extraRoutes: [partnerCenterWebhookRoute(intake)] })`. Public: Partner
 * Center carries no dashboard credentials; the intake verifies the signature over the raw body.
 */
export function partnerCenterWebhookRoute(
  intake: { handle(req: WebhookRequest): Promise<WebhookResponse> },
  path = '/webhooks/partner-center',
): HttpRoute {
  return {
    method: 'POST',
    path,
    access: 'public',
    // Capped while reading (issue 14): the handler's own check ran only after 1 MB was buffered.
    maxBodyBytes: WEBHOOK_MAX_BODY_BYTES,
    handler: async (req) => {
      const out = await intake.handle({ headers: req.headersDistinct, rawBody: req.body });
      return { status: out.status, body: { ...out.body } };
    },
  };
}
