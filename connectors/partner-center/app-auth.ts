import { ConfidentialClientApplication } from '@azure/msal-node';
import { AuthError } from '../../src/errors.ts';
import { type TokenProvider } from '../../src/ports/partner-center.ts';
import { type Clock, systemClock } from '../../src/ports/clock.ts';
import { cachedTokenProvider } from '../shared/cached-token.ts';
import { type EntraOptions, msalAuthOptions, msalSystemOptions } from './msal-config.ts';
import { fromMsalError } from './msal-errors.ts';

export interface AppAuthOptions extends EntraOptions {
  /** PARTNER_CENTER_CLIENT_SECRET */
  clientSecret: string;
}

/**
 * App-only tokens (client credentials). The current docs say the Referrals API accepts only
 * App+User tokens (docs/partner-center-referrals-api.md, "Authentication"), so this mode is for other tenants'
 * setups, sandboxes and fakes.
 */
export function createAppTokenProvider(options: AppAuthOptions, clock: Clock = systemClock): TokenProvider {
  const cca = new ConfidentialClientApplication({
    auth: { ...msalAuthOptions(options), clientSecret: options.clientSecret },
    system: msalSystemOptions(options.tokenTimeoutMs),
  });
  return cachedTokenProvider(
    async (skipCache) => {
      try {
        const result = await cca.acquireTokenByClientCredential({ scopes: [options.scope], skipCache });
        if (!result) throw new AuthError('Entra returned no token for the client-credentials request');
        return { accessToken: result.accessToken, expiresOn: result.expiresOn };
      } catch (err) {
        throw fromMsalError(err, 'app');
      }
    },
    { clock, deadlineMs: options.tokenTimeoutMs },
  );
}
