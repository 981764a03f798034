/**
 * What msal-node needs to talk only to the fake. msal refuses an `http:` authority
 * (UrlString.validateAsUri: authority_uri_insecure), but given `authorityMetadata` and
 * `cloudDiscoveryMetadata` it makes no discovery call and posts straight to the
 * `token_endpoint` named in the metadata, which may be http. So the authority is a nominal
 * https URL on the fake's host:port that nothing ever connects to. Checked on msal-node 7.2.3.
 */
export interface FakeMsalMetadata {
  authorityHost: string;
  tenantId: string;
  /** OpenID configuration (JSON string) for msal's `auth.authorityMetadata`. */
  authorityMetadata: string;
  /** Instance discovery response (JSON string) for msal's `auth.cloudDiscoveryMetadata`. */
  cloudDiscoveryMetadata: string;
}

export function msalMetadataFor(httpBase: string, authorityHost: string, tenant: string): FakeMsalMetadata {
  const hostAndPort = new URL(httpBase).host;
  const oauth = `${httpBase}/${tenant}/oauth2/v2.0`;
  return {
    authorityHost,
    tenantId: tenant,
    authorityMetadata: JSON.stringify({
      // msal derives the devicecode endpoint by replacing "/token" in this URL.
      token_endpoint: `${oauth}/token`,
      authorization_endpoint: `${oauth}/authorize`,
      end_session_endpoint: `${oauth}/logout`,
      issuer: `${authorityHost}/${tenant}/v2.0`,
      jwks_uri: `${httpBase}/${tenant}/discovery/v2.0/keys`,
    }),
    cloudDiscoveryMetadata: JSON.stringify({
      tenant_discovery_endpoint: `${authorityHost}/${tenant}/v2.0/.well-known/openid-configuration`,
      'api-version': '1.1',
      metadata: [{ preferred_network: hostAndPort, preferred_cache: hostAndPort, aliases: [hostAndPort] }],
    }),
  };
}
