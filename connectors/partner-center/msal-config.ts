import { LogLevel, type NodeAuthOptions, type NodeSystemOptions } from '@azure/msal-node';

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
  /** Instance discovery JSON (`{"metadata":[{preferred_network, preferred_cache, aliases}]}`). */
  cloudDiscoveryMetadata?: string | undefined;
}

export function msalAuthOptions(o: EntraOptions): NodeAuthOptions {
  const auth: NodeAuthOptions = {
    clientId: o.clientId,
    authority: `${o.authorityHost.replace(/\/+$/, '')}/${encodeURIComponent(o.tenantId)}`,
  };
  if (o.authorityMetadata) auth.authorityMetadata = o.authorityMetadata;
  if (o.cloudDiscoveryMetadata) auth.cloudDiscoveryMetadata = o.cloudDiscoveryMetadata;
  return auth;
}

/** msal logs nothing: its verbose logs carry account names, and our errors say what failed. */
export const msalSystemOptions: NodeSystemOptions = {
  loggerOptions: { piiLoggingEnabled: false, logLevel: LogLevel.Error, loggerCallback: () => undefined },
};
