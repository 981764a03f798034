import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors.ts';
import type {
  WebhookRegistration,
  WebhookRegistrationApi,
  WebhookRegistrationRequest,
} from '../ports/webhook-registration.ts';
import { describeRegisterResult, registerWebhook } from './register.ts';
import { REFERRAL_EVENTS } from './event.ts';

function fakeApi(existing: WebhookRegistration | null) {
  const calls: { method: 'POST' | 'PUT'; body: WebhookRegistrationRequest }[] = [];
  const api: WebhookRegistrationApi = {
    get: () => Promise.resolve(existing),
    create: (body) => (
      calls.push({ method: 'POST', body }),
      Promise.resolve({ webhookUrl: body.webhookUrl, events: [...body.events] })
    ),
    update: (body) => (
      calls.push({ method: 'PUT', body }),
      Promise.resolve({ webhookUrl: body.webhookUrl, events: [...body.events] })
    ),
  };
  return { api, calls };
}

const OURS = 'https://sync.contoso.example/webhooks/partner-center';
const THEIRS = 'https://other-tool.example/hook';

describe('registerWebhook', () => {
  it('creates a registration when there is none, for the four referral events, signature in x-ms-signature', async () => {
    const { api, calls } = fakeApi(null);
    expect((await registerWebhook(api, { url: OURS })).action).toBe('created');
    expect(calls).toEqual([
      { method: 'POST', body: { webhookUrl: OURS, events: [...REFERRAL_EVENTS], signatureInMsHeader: true } },
    ]);
  });

  it('refuses to overwrite a registration for another URL, and says where it points', async () => {
    const { api, calls } = fakeApi({ webhookUrl: THEIRS, events: ['subscription-updated'] });
    const r = await registerWebhook(api, { url: OURS });
    expect(r.action).toBe('refused');
    expect(calls).toEqual([]);
    expect(describeRegisterResult(r)).toContain(THEIRS);
    expect(describeRegisterResult(r)).toContain('--force');
  });

  it('replaces it with force (PUT)', async () => {
    const { api, calls } = fakeApi({ webhookUrl: THEIRS, events: ['subscription-updated'] });
    const r = await registerWebhook(api, { url: OURS, force: true });
    expect(r).toMatchObject({ action: 'updated', previous: { webhookUrl: THEIRS } });
    expect(calls.map((c) => c.method)).toEqual(['PUT']);
  });

  it('changes nothing when URL and events already match', async () => {
    const { api, calls } = fakeApi({ webhookUrl: OURS, events: [...REFERRAL_EVENTS].reverse() });
    expect((await registerWebhook(api, { url: OURS })).action).toBe('unchanged');
    expect(calls).toEqual([]);
  });

  it('updates the events of our own registration without force', async () => {
    const { api, calls } = fakeApi({ webhookUrl: OURS, events: ['referral-created'] });
    expect((await registerWebhook(api, { url: OURS })).action).toBe('updated');
    expect(calls.map((c) => c.method)).toEqual(['PUT']);
  });

  it.each([
    ['http://sync.contoso.example/hook', undefined],
    ['not-a-url', undefined],
    ['https://u:p@sync.contoso.example/hook', undefined],
    [OURS, ['subscription-updated']],
    [OURS, []],
  ])('rejects %s with events %j before calling Partner Center', async (url, events) => {
    const { api, calls } = fakeApi(null);
    await expect(registerWebhook(api, { url, events })).rejects.toBeInstanceOf(ValidationError);
    expect(calls).toEqual([]);
  });
});
