/**
 * The daemon's users endpoint, `GET /teamssync/v1alpha1/namespaces/<ns>/teamstenants/<name>/users`
 * (`?filter=all|unmapped|ineligible&limit=N&continue=T`): pages of users-view.ts for `kubectl teamssync users`.
 *
 * Who may read it is Kubernetes RBAC's decision, per tenant: the caller's bearer token is authenticated with a
 * TokenReview and the user it names must be allowed `get` on `teamstenants/users` (a subresource that exists only
 * in RBAC rules, as kube-rbac-proxy authorises) for that tenant in that namespace (SubjectAccessReview). A support
 * engineer thus needs a RoleBinding in the customer's namespace and never the tenant's Graph credentials.
 * Decisions are cached briefly by the token's SHA-256 digest (never the token) in a bounded map.
 *
 * Gotchas: only the leader holds directories (the TeamsTenant controller runs there), so a standby answers 404;
 * a tenant whose first directory read has not finished answers 503 with Retry-After.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Group, Version } from '../../pkg/apis/teamssync/v1alpha1/index.ts';
import type { KubeClient } from '../../pkg/runtime/kube-client.ts';
import type { DirectorySnapshot } from '../shared/directory-snapshot.ts';
import type { CachedMapping } from '../shared/resources.ts';
import { BadContinueError, userEntries, usersPage, type UserEntry, type UsersFilter, type UsersPage } from './users-view.ts';

/** The path prefix every users request starts with (the metrics listener routes it here). */
export const UsersPathPrefix = `/teamssync/${Version}/namespaces/`;
const USERS_PATH = /^\/teamssync\/v1alpha1\/namespaces\/([a-z0-9][-a-z0-9]{0,62})\/teamstenants\/([a-z0-9][-a-z0-9.]{0,252})\/users$/;

/** What the endpoint reads: the tenants' directories and mappings (the user-sync registration's caches). */
export interface UsersSources {
  /** The tenant's directory by `namespace/name`, when this replica holds it. */
  directory(key: string): DirectorySnapshot | undefined;
  mappingsOf(key: string): readonly CachedMapping[];
}

/** The RBAC check of one request. */
export type UsersAccess = (authorization: string | undefined, namespace: string, tenant: string) => Promise<{ status: 200 | 401 | 403 | 500; reason: string }>;

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

/** {@link UsersAccess} through the apiserver (TokenReview + SubjectAccessReview; the daemon's role may create both). */
export function kubeUsersAccess(client: KubeClient, now: () => number = Date.now): UsersAccess {
  const cache = new Map<string, { status: 200 | 401 | 403; reason: string; expires: number }>();
  const review = async (token: string, namespace: string, tenant: string): Promise<{ status: 200 | 401 | 403; reason: string }> => {
    const tr = await client.request<{
      status?: { authenticated?: boolean; user?: { username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> } };
    }>('POST', '/apis/authentication.k8s.io/v1/tokenreviews', {
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } },
      unfenced: true,
    });
    const user = tr.status?.user;
    if (tr.status?.authenticated !== true || user?.username === undefined) return { status: 401, reason: 'Unauthorized' };
    const resourceAttributes = { namespace, verb: 'get', group: Group, resource: 'teamstenants', subresource: 'users', name: tenant };
    const sar = await client.request<{ status?: { allowed?: boolean } }>('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
      body: {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        spec: { user: user.username, uid: user.uid, groups: user.groups, extra: user.extra, resourceAttributes },
      },
      unfenced: true,
    });
    return sar.status?.allowed === true
      ? { status: 200, reason: 'ok' }
      : { status: 403, reason: `User "${user.username}" cannot get teamstenants/users "${tenant}" in namespace "${namespace}"` };
  };
  return async (authorization, namespace, tenant) => {
    const token = BEARER.exec(authorization ?? '')?.[1];
    if (token === undefined) return { status: 401, reason: 'Unauthorized (a bearer token is required)' };
    const key = `${namespace}/${tenant}\0${createHash('sha256').update(token, 'utf8').digest('base64')}`;
    const cached = cache.get(key);
    if (cached !== undefined && cached.expires > now()) return cached;
    try {
      const decision = await review(token, namespace, tenant);
      if (cache.size >= 1024) cache.delete(cache.keys().next().value ?? '');
      cache.set(key, { ...decision, expires: now() + (decision.status === 200 ? 30_000 : 5_000) });
      return decision;
    } catch {
      return { status: 500, reason: 'The token could not be reviewed' };
    }
  };
}

/** Sorted entries per directory, recomputed only when the directory or the tenant's mapped users changed. */
function memoised(): (directory: DirectorySnapshot, mappings: readonly CachedMapping[]) => readonly UserEntry[] {
  const memo = new WeakMap<DirectorySnapshot, { stamp: string; entries: readonly UserEntry[] }>();
  return (directory, mappings) => {
    const refs = mappings.map(
      (m) => `${m.metadata.name}=${m.spec.teamsUser?.userPrincipalName ?? ''}/${m.spec.teamsUser?.objectId ?? ''}/${m.metadata.deletionTimestamp ?? ''}`,
    );
    const stamp = `${directory.version}|${refs.sort().join(',')}`;
    const hit = memo.get(directory);
    if (hit?.stamp === stamp) return hit.entries;
    const entries = userEntries(directory.users(), directory.catalog, mappings);
    memo.set(directory, { stamp, entries });
    return entries;
  };
}

/** One answer: status, JSON body and extra headers. */
interface Answer {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Record<string, string>;
}

function failure(code: number, reason: string, message: string, headers: Record<string, string> = {}): Answer {
  return { status: code, body: { kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message }, headers };
}

const FILTERS: readonly UsersFilter[] = ['all', 'unmapped', 'ineligible'];

/** The answer to one request (authorised first, then the tenant's directory state, then the page). */
async function answer(req: IncomingMessage, sources: UsersSources, access: UsersAccess, entriesOf: ReturnType<typeof memoised>): Promise<Answer> {
  const url = new URL(req.url ?? '/', 'http://x');
  const match = USERS_PATH.exec(url.pathname);
  if (match === null) return failure(404, 'NotFound', 'Not found: use /teamssync/v1alpha1/namespaces/<ns>/teamstenants/<name>/users');
  const [, namespace = '', tenant = ''] = match;
  const decision = await access(req.headers.authorization, namespace, tenant);
  if (decision.status === 401) return failure(401, 'Unauthorized', decision.reason, { 'www-authenticate': 'Bearer' });
  if (decision.status !== 200) return failure(decision.status, decision.status === 403 ? 'Forbidden' : 'InternalError', decision.reason);
  const filter = (url.searchParams.get('filter') ?? 'all') as UsersFilter;
  if (!FILTERS.includes(filter)) return failure(400, 'BadRequest', `Unknown filter "${filter}": use ${FILTERS.join(', ')}`);
  const key = `${namespace}/${tenant}`;
  const directory = sources.directory(key);
  if (directory === undefined) {
    const message = `TeamsTenant ${key} is not known to this replica: it does not exist, its credentials do not work yet, or this replica is not the leader`;
    return failure(404, 'NotFound', message);
  }
  if (!directory.loaded)
    return failure(503, 'ServiceUnavailable', `The first directory read of ${key} has not finished: try again shortly`, { 'retry-after': '5' });
  let page: UsersPage;
  try {
    const limit = Number(url.searchParams.get('limit') ?? 500) || 500;
    page = usersPage(entriesOf(directory, sources.mappingsOf(key)), filter, limit, url.searchParams.get('continue') ?? undefined);
  } catch (error) {
    if (error instanceof BadContinueError) return failure(400, 'BadRequest', error.message);
    throw error;
  }
  const refreshedAt = directory.refreshedAt === undefined ? undefined : new Date(directory.refreshedAt).toISOString();
  const metadata = {
    matching: page.matching,
    ...(page.continue === undefined ? {} : { continue: page.continue }),
    ...(refreshedAt === undefined ? {} : { directoryReadAt: refreshedAt }),
  };
  return { status: 200, body: { apiVersion: `${Group}/${Version}`, kind: 'TeamsUserList', metadata, items: page.items } };
}

/** The request handler; answers every path under {@link UsersPathPrefix}. */
export function usersHandler(sources: UsersSources, access: UsersAccess): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const entriesOf = memoised();
  return async (req, res) => {
    const { status, body, headers } = await answer(req, sources, access, entriesOf);
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
    res.end(JSON.stringify(body));
  };
}
