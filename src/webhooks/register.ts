import { ValidationError } from '../errors.ts';
import type { WebhookRegistration, WebhookRegistrationApi } from '../ports/webhook-registration.ts';
import { REFERRAL_EVENTS } from './event.ts';

/** Events `webhook register` may ask for: ours, plus Microsoft's test event for validating delivery. */
const REGISTRABLE = new Set<string>([...REFERRAL_EVENTS, 'test-created']);

export interface RegisterOptions {
  /** Our public https endpoint. */
  url: string;
  /** Default: the four referral events. */
  events?: readonly string[] | undefined;
  /** Replace a registration that points somewhere else. */
  force?: boolean | undefined;
  /**
   * Default true: the signature goes in `x-ms-signature`, leaving `Authorization` to whatever
   * auth proxy sits in front of the endpoint.
   */
  signatureInMsHeader?: boolean | undefined;
}

export type RegisterResult =
  | { action: 'created'; registration: WebhookRegistration }
  | { action: 'updated'; previous: WebhookRegistration; registration: WebhookRegistration }
  | { action: 'unchanged'; registration: WebhookRegistration }
  | { action: 'refused'; existing: WebhookRegistration; reason: string };

/**
 * `referral-sync webhook register`: reads the tenant's registration first. None → POST. The same
 * URL and events → nothing to do. The same URL with other events → PUT. Another URL → refused
 * unless `force` (one registration per tenant: overwriting it silently would cut off whatever
 * else receives those events), then PUT.
 */
export async function registerWebhook(api: WebhookRegistrationApi, o: RegisterOptions): Promise<RegisterResult> {
  const events = [...new Set(o.events ?? REFERRAL_EVENTS)];
  checkRequest(o.url, events);
  const request = { webhookUrl: o.url, events, signatureInMsHeader: o.signatureInMsHeader ?? true };
  const existing = await api.get();
  if (existing === null) return { action: 'created', registration: await api.create(request) };
  if (existing.webhookUrl === o.url && sameSet(existing.events, events))
    return { action: 'unchanged', registration: existing };
  if (existing.webhookUrl !== o.url && o.force !== true) {
    return {
      action: 'refused',
      existing,
      reason: `the tenant's webhooks already go to ${existing.webhookUrl}; re-run with --force to point them at ${o.url}`,
    };
  }
  return { action: 'updated', previous: existing, registration: await api.update(request) };
}

function checkRequest(url: string, events: string[]): void {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ValidationError('webhook URL must be an absolute https URL');
  }
  if (u.protocol !== 'https:')
    throw new ValidationError('webhook URL must be https (Partner Center posts events over the internet)');
  if (u.username !== '' || u.password !== '') throw new ValidationError('webhook URL must not contain credentials');
  if (events.length === 0) throw new ValidationError('at least one event is needed');
  const unknown = events.filter((e) => !REGISTRABLE.has(e));
  if (unknown.length > 0)
    throw new ValidationError(`unsupported event(s): ${unknown.join(', ')} (known: ${[...REGISTRABLE].join(', ')})`);
}

const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x) => b.includes(x));

/** Lines for the CLI. */
export function describeRegistration(r: WebhookRegistration | null): string {
  if (r === null) return 'no webhook registration';
  return `webhook URL: ${r.webhookUrl}\nevents: ${r.events.join(', ') || '(none)'}${r.subscriberId ? `\nsubscriber: ${r.subscriberId}` : ''}`;
}

export function describeRegisterResult(r: RegisterResult): string {
  switch (r.action) {
    case 'created':
      return `registered:\n${describeRegistration(r.registration)}`;
    case 'unchanged':
      return `already registered, nothing changed:\n${describeRegistration(r.registration)}`;
    case 'updated':
      return `replaced the registration\nwas:\n${describeRegistration(r.previous)}\nnow:\n${describeRegistration(r.registration)}`;
    case 'refused':
      return `existing registration:\n${describeRegistration(r.existing)}\nnot changed: ${r.reason}`;
  }
}
