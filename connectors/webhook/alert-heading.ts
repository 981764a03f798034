import type { ExpiryAlert } from '../../src/expiry/alert.ts';

/** Short heading per alert kind, shared by the chat formats. */
export function alertHeading(alert: Pick<ExpiryAlert, 'kind' | 'timeLeftText'>): string {
  if (alert.kind === 'contact-me') return 'Customer asked to be contacted';
  if (alert.kind === 'expired') return 'Referral expired';
  return `Referral expires in ${alert.timeLeftText}`;
}
