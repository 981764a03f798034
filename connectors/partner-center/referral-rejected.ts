import { scrubText } from '../../src/log/logger.ts';

export { ReferralRejectedError } from '../../src/share/referral-rejected.ts';

/** The `{"error":{"code","message"}}` body's message; a body of another shape gives a generic text. */
export function rejectedReason(data: unknown): string {
  let body = data;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body) as unknown;
    } catch {
      body = undefined;
    }
  }
  const error = typeof body === 'object' && body !== null ? (body as { error?: unknown }).error : undefined;
  const message = typeof error === 'object' && error !== null ? (error as { message?: unknown }).message : undefined;
  return typeof message === 'string' && message.trim() !== ''
    ? scrubText(message).slice(0, 300)
    : 'the request was invalid (no reason given)';
}
