import type { NodeAuthOptions } from '@azure/msal-node';
import { CLOUDS } from '../clouds.ts';

/** The Entra ID hosts msal-node knows (it ships their discovery metadata). */
const MICROSOFT_HOSTS = new Set(Object.values(CLOUDS).map((c) => new URL(c.authorityHost).host));

/**
 * msal-node authority settings for `authorityHost` (origin, possibly with a port) and a tenant.
 *
 * For a host msal does not know (the simulator), the host is listed in `knownAuthorities` and matching
 * `cloudDiscoveryMetadata` is supplied, so msal never calls the public instance-discovery endpoint on
 * login.microsoftonline.com (which is unreachable here and would reject the host). msal then fetches
 * `{authority}/v2.0/.well-known/openid-configuration` from the host itself.
 */
export function authorityOptions(authorityHost: string, tenantId: string): Pick<NodeAuthOptions, 'authority' | 'knownAuthorities' | 'cloudDiscoveryMetadata'> {
  const origin = new URL(authorityHost);
  const authority = `${origin.origin}/${encodeURIComponent(tenantId)}`;
  if (MICROSOFT_HOSTS.has(origin.host)) return { authority };
  return {
    authority,
    knownAuthorities: [origin.host],
    cloudDiscoveryMetadata: JSON.stringify({
      tenant_discovery_endpoint: `${authority}/v2.0/.well-known/openid-configuration`,
      'api-version': '1.1',
      metadata: [{ preferred_network: origin.host, preferred_cache: origin.host, aliases: [origin.host] }],
    }),
  };
}
