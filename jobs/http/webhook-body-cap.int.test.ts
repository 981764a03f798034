import { afterEach, expect, it } from 'vitest';
import { startDashboardStack, type DashboardStack } from '../../test/integration/dashboard-stack.ts';
import type { WebhookRequest } from '../webhook-intake/handler.ts';
import { partnerCenterWebhookRoute } from './webhook-route.ts';

let ds: DashboardStack | undefined;
afterEach(async () => {
  await ds?.close();
  ds = undefined;
});

it('refuses a 512 KiB webhook body with 413 before the intake sees it (#14)', async () => {
  const seen: WebhookRequest[] = [];
  const intake = {
    handle: async (req: WebhookRequest) => {
      seen.push(req);
      return { status: 202 as const, body: { status: 'accepted' as const } };
    },
  };
  ds = await startDashboardStack({ server: { extraRoutes: [partnerCenterWebhookRoute(intake)] } });
  const res = await fetch(`http://127.0.0.1:${ds.server.port}/webhooks/partner-center`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: 'x'.repeat(512 * 1024),
  });
  expect(res.status).toBe(413);
  expect(seen).toHaveLength(0);
});
