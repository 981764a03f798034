import { ValidationError } from '../errors.ts';

/**
 * Partner Center answered a create with 400: nothing was created. `reason` is Partner Center's own
 * message (it names the field, e.g. "customerProfile.address.country is required"), already
 * scrubbed and cut by the connector, for the seller's sync message.
 */
export class ReferralRejectedError extends ValidationError {
  constructor(readonly reason: string) {
    super(`partner-center 400: the referral was not created: ${reason}`);
  }
}
