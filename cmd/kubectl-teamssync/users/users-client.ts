/**
 * Reads the daemon's users endpoint (controllers/teamstenant/users-endpoint.ts) page by page, as the caller: the
 * request carries the bearer token of the admin's own kubeconfig user (a token, an OIDC or exec plugin's token),
 * which the daemon reviews with the apiserver and authorises per tenant. The tenant's Graph credentials never
 * leave the cluster (docs/design/plugin-users.md).
 */
import { request } from 'node:https';
import { request as plainRequest } from 'node:http';
import type { ClusterConnection } from '../../../pkg/runtime/kubeconfig.ts';
import type { UserEntry, UsersFilter } from '../../../controllers/teamstenant/users-view.ts';
import { CliError, ExitCode } from '../exit-codes.ts';

/** One page as the endpoint sends it. */
export interface UsersPageBody {
  readonly metadata: { readonly matching: number; readonly continue?: string; readonly directoryReadAt?: string };
  readonly items: readonly UserEntry[];
}

/** Where and how to reach the endpoint. */
export interface UsersEndpoint {
  /** `https://host:port` of the daemon's metrics listener (a port-forward, or --endpoint). */
  readonly baseUrl: string;
  /** `Bearer …` of the kubeconfig user. */
  readonly authorization: string;
  /** PEM CA bundle of the daemon's serving certificate; absent with `insecure`. */
  readonly ca?: string | undefined;
  /** Skip certificate verification (a self-signed daemon certificate, as the ServiceMonitor does). */
  readonly insecure: boolean;
}

/**
 * The kubeconfig user's `Authorization` header. A client-certificate user has none: the daemon cannot verify a
 * certificate the apiserver accepted, so such users need a token (e.g. `kubectl create token` of a ServiceAccount
 * bound to the users-viewer role).
 */
export async function bearerOf(connection: ClusterConnection): Promise<string> {
  const header = (await connection.authHeaders())['authorization'];
  if (header !== undefined && /^Bearer\s+\S/i.test(header)) return header;
  throw new CliError(
    'users needs a bearer token in the kubeconfig (token, OIDC or exec credentials); a client-certificate user cannot be verified by the daemon: use a token of an identity bound to the teams-sync-controller-users-viewer role',
    ExitCode.Error,
  );
}

function get(url: URL, endpoint: UsersEndpoint): Promise<{ status: number; body: string }> {
  const send = url.protocol === 'http:' ? plainRequest : request;
  return new Promise((resolve, reject) => {
    const req = send(
      url,
      {
        method: 'GET',
        headers: { authorization: endpoint.authorization, accept: 'application/json' },
        ...(url.protocol === 'https:' ? { rejectUnauthorized: !endpoint.insecure, ...(endpoint.ca === undefined ? {} : { ca: endpoint.ca }) } : {}),
        timeout: 60_000,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('the daemon did not answer within 60 s')));
    req.on('error', reject);
    req.end();
  });
}

/** The CliError for a refused page: 404 = the tenant (exit 4), anything else exit 1 with the daemon's message. */
function refusal(status: number, body: string, what: string): CliError {
  let message = body.trim();
  try {
    message = (JSON.parse(body) as { message?: string }).message ?? message;
  } catch {
    // not a Status body: keep the text
  }
  return new CliError(`${what}: ${status} ${message}`, status === 404 ? ExitCode.NotFound : ExitCode.Error);
}

/** Yields the pages of one listing in order, following `continue` until the last page. */
export async function* usersPages(
  endpoint: UsersEndpoint,
  target: { readonly namespace: string; readonly tenant: string; readonly filter: UsersFilter; readonly limit: number },
): AsyncGenerator<UsersPageBody> {
  const path = `/teamssync/v1alpha1/namespaces/${encodeURIComponent(target.namespace)}/teamstenants/${encodeURIComponent(target.tenant)}/users`;
  let next: string | undefined;
  do {
    const url = new URL(path, endpoint.baseUrl);
    url.searchParams.set('filter', target.filter);
    url.searchParams.set('limit', String(target.limit));
    if (next !== undefined) url.searchParams.set('continue', next);
    let answer: { status: number; body: string };
    try {
      answer = await get(url, endpoint);
    } catch (error) {
      throw new CliError(
        `cannot reach the teams-sync-controller users endpoint at ${endpoint.baseUrl}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    if (answer.status !== 200) throw refusal(answer.status, answer.body, `users of ${target.namespace}/${target.tenant}`);
    const page = JSON.parse(answer.body) as UsersPageBody;
    yield page;
    next = page.metadata.continue;
  } while (next !== undefined);
}
