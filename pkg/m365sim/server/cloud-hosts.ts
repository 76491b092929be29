/**
 * The simulator playing each national cloud's host names. Tests reach it under the real names (graph.microsoft.us,
 * login.chinacloudapi.cn, ...) by connecting those names to its ports (pkg/graph `parseConnectTo`, the daemon's
 * --graph-connect-to) while TLS and the Host header keep the name, so a client's choice of hosts, audience and
 * authority is tested as it is in production. What differs per cloud, from Microsoft's pages:
 * - hosts: https://learn.microsoft.com/graph/deployments ("App registration and token service root endpoints",
 *   "Microsoft Graph and Graph Explorer service root endpoints"); GCC uses the global ones;
 * - tokens are per cloud ("Access tokens acquired for a national cloud deployment are not interchangeable", same page):
 *   the token's audience must be the Graph host it is presented to;
 * - the Teams administration APIs (`/admin/teams/...`: number assignment, user configurations, policy assignment)
 *   exist in the global service only ("National cloud availability" of e.g.
 *   https://learn.microsoft.com/graph/api/teamsadministration-numberassignment-assignnumber and
 *   https://learn.microsoft.com/graph/api/teamsadministration-teamsadminroot-list-userconfigurations): elsewhere they
 *   answer 404 as an unknown segment does.
 * A request on any other host name (127.0.0.1, localhost) is the simulator as before: every cloud at once.
 */
import { graphError, type GraphResponse } from '../errors.ts';

/** A cloud as pkg/graph names it. */
type SimCloud = 'Global' | 'USGovGCCHigh' | 'USGovDoD' | 'China';

/**
 * Entra ID hosts of each cloud (GCC High and DoD share login.microsoftonline.us). China has two: the published
 * authority login.chinacloudapi.cn and login.partner.microsoftonline.cn, which msal-node's built-in cloud metadata
 * names as the preferred network for it, so that is where its token requests really go.
 */
const LOGIN_HOSTS: Readonly<Record<string, readonly SimCloud[]>> = {
  'login.microsoftonline.com': ['Global'],
  'login.microsoftonline.us': ['USGovGCCHigh', 'USGovDoD'],
  'login.chinacloudapi.cn': ['China'],
  'login.partner.microsoftonline.cn': ['China'],
};

/** Graph host of each cloud. */
const GRAPH_HOSTS: Readonly<Record<string, SimCloud>> = {
  'graph.microsoft.com': 'Global',
  'graph.microsoft.us': 'USGovGCCHigh',
  'dod-graph.microsoft.us': 'USGovDoD',
  'microsoftgraph.chinacloudapi.cn': 'China',
};

/** Every real host name the simulator answers for (its certificate's extra SANs). */
export const CLOUD_HOST_NAMES: readonly string[] = [...Object.keys(LOGIN_HOSTS), ...Object.keys(GRAPH_HOSTS)];

/** The Host header without its port, lower-case. */
export function hostName(hostHeader: string | undefined): string {
  return (hostHeader ?? '').replace(/:\d+$/, '').toLowerCase();
}

/** The https origin of a cloud's Entra host when the request came under one, else undefined (use the simulator's own URL). */
export function cloudLoginOrigin(hostHeader: string | undefined): string | undefined {
  const name = hostName(hostHeader);
  return Object.hasOwn(LOGIN_HOSTS, name) ? `https://${name}` : undefined;
}

/** The Graph host a login host's cloud issues tokens for, given the resource asked; undefined when that is another cloud's. */
export function resourceAllowedOnLogin(hostHeader: string | undefined, resource: string): boolean {
  const clouds = LOGIN_HOSTS[hostName(hostHeader)];
  if (clouds === undefined) return true;
  const graph = GRAPH_HOSTS[hostName(resource.replace(/^https:\/\//, ''))];
  return graph === undefined ? resource === '00000003-0000-0000-c000-000000000000' : clouds.includes(graph);
}

/**
 * Why a Graph request under a cloud's host name is refused before the pipeline (wrong token audience, or an API that
 * cloud does not have), or undefined. `audience` is the bearer token's `aud` (undefined when it has none or none
 * could be read: the pipeline answers that).
 */
export function cloudGraphRefusal(hostHeader: string | undefined, path: string, audience: string | undefined): GraphResponse | undefined {
  const name = hostName(hostHeader);
  const cloud = GRAPH_HOSTS[name];
  if (cloud === undefined) return undefined;
  if (audience !== undefined && audience !== `https://${name}` && !(cloud === 'Global' && audience === '00000003-0000-0000-c000-000000000000')) {
    return graphError(401, 'InvalidAuthenticationToken', 'Access token validation failure. Invalid audience.');
  }
  if (cloud !== 'Global' && /^\/(v1\.0|beta)\/admin\/teams(\/|$)/i.test(path)) {
    return graphError(404, 'BadRequest', "Resource not found for the segment 'teams'.");
  }
  return undefined;
}
