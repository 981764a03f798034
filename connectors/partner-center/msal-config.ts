import { LogLevel, type NodeAuthOptions, type NodeSystemOptions } from '@azure/msal-node';
import { createMsalNetworkClient } from '../shared/msal-network.ts';

/** Where and as whom to ask Entra for Partner Center tokens. Plain values, never process.env. */
export interface EntraOptions {
  /** ENTRA_AUTHORITY_HOST, e.g. https://login.microsoftonline.com (sovereign clouds differ). */
  authorityHost: string;
  /** PARTNER_CENTER_TENANT_ID: a tenant id/domain, or `organizations`. */
  tenantId: string;
  clientId: string;
  /** PARTNER_CENTER_SCOPE, e.g. https://api.partner.microsoft.com/.default */
  scope: string;
  /**
   * OpenID configuration JSON of the authority. With `cloudDiscoveryMetadata` too, msal makes
   * no discovery calls and only posts to the token endpoint named here: for air-gapped
   * setups and local fakes (msal requires an https authority, but the endpoints may differ).
   */
  authorityMetadata?: string | undefined;
  /**
   * ENTRA_KNOWN_AUTHORITIES: hosts msal trusts without asking Microsoft's instance discovery; it
   * then reads the authority's own OpenID configuration (docs/entra-authority.md).
   */
  knownAuthorities?: readonly string[] | undefined;
  /** Instance discovery JSON (`{"metadata":[{preferred_network, preferred_cache, aliases}]}`). */
  cloudDiscoveryMetadata?: string | undefined;
  /** TOKEN_TIMEOUT_MS: each token request, and a whole renewal, ends after this (default 15 s). */
  tokenTimeoutMs?: number | undefined;
}

/** Default TOKEN_TIMEOUT_MS: a healthy Entra answers in well under a second. */
const DEFAULT_TOKEN_TIMEOUT_MS = 15_000;

export function msalAuthOptions(o: EntraOptions): NodeAuthOptions {
  const auth: NodeAuthOptions = {
    clientId: o.clientId,
    authority: `${o.authorityHost.replace(/\/+$/, '')}/${encodeURIComponent(o.tenantId)}`,
  };
  if (o.authorityMetadata) auth.authorityMetadata = o.authorityMetadata;
  if (o.cloudDiscoveryMetadata) auth.cloudDiscoveryMetadata = o.cloudDiscoveryMetadata;
  if (o.knownAuthorities && o.knownAuthorities.length > 0) auth.knownAuthorities = [...o.knownAuthorities];
  return auth;
}

/**
 * msal logs nothing: its verbose logs carry account names, and our errors say what failed.
 * Its requests go through our network client, which has a timeout (msal's own has none on POST).
 */
export function msalSystemOptions(tokenTimeoutMs: number = DEFAULT_TOKEN_TIMEOUT_MS): NodeSystemOptions {
  return {
    loggerOptions: { piiLoggingEnabled: false, logLevel: LogLevel.Error, loggerCallback: () => undefined },
    networkClient: createMsalNetworkClient(tokenTimeoutMs),
  };
}
