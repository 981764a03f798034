import type { WebhookRequest, WebhookResponse } from '../webhook-intake/handler.ts';
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
    method: 'POST', path, access: 'public',
    handler: async (req) => {
      const out = await intake.handle({ headers: req.headersDistinct, rawBody: req.body });
      return { status: out.status, body: { ...out.body } };
    },
  };
}
