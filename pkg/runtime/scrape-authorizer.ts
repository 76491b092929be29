/**
 * Who may read /metrics: the bearer token of each scrape is authenticated with the TokenReview API and the user it
 * names is authorised with a SubjectAccessReview for `get` on the non-resource URL `/metrics`, as controller-runtime's
 * secure metrics serving does (filters.WithAuthenticationAndAuthorization). Grant it with a ClusterRole rule
 * `nonResourceURLs: ["/metrics"], verbs: ["get"]` (config/rbac/metrics_reader_role.yaml).
 *
 * Decisions are cached briefly by the token's SHA-256 digest (never the token), in a bounded map, so a Prometheus
 * scraping every few seconds costs the apiserver two requests a minute; denials are kept shorter than grants, so a
 * newly bound role takes effect quickly.
 */
import { createHash } from 'node:crypto';
import type { KubeClient } from './kube-client.ts';
import { coreResources } from './resource.ts';

/** The answer to one scrape: 200 serves it, 401 = no or unknown token, 403 = not allowed, 500 = apiserver unreachable. */
export interface ScrapeDecision {
  readonly status: 200 | 401 | 403 | 500;
  /** A short reason for the response body; never token content. */
  readonly reason: string;
}

/** Decides whether an `Authorization` header may read a non-resource path. */
export interface ScrapeAuthorizer {
  authorize(authorization: string | undefined, path: string): Promise<ScrapeDecision>;
}

/** Options of {@link kubeScrapeAuthorizer}. */
export interface KubeScrapeAuthorizerOptions {
  /** How long a grant is remembered. Default 60 s. */
  readonly allowTtlMs?: number;
  /** How long a refusal (401/403) is remembered. Default 10 s. */
  readonly denyTtlMs?: number;
  /** Cached decisions at most; the oldest is forgotten first. Default 1024. */
  readonly maxEntries?: number;
  /** Clock, for tests. */
  readonly now?: () => number;
}

interface TokenReviewStatus {
  readonly authenticated?: boolean;
  readonly user?: { username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> };
}

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

/**
 * The apiserver-backed authorizer. `client` must be allowed `create` on tokenreviews (authentication.k8s.io) and
 * subjectaccessreviews (authorization.k8s.io) cluster-wide (pkg/runtime/rbac.ts).
 *
 * Gotchas: the reviews are not writes to the cluster, so they bypass the leader-election write fence: standby
 * replicas are scraped too. Apiserver errors answer 500 and are not cached.
 */
export function kubeScrapeAuthorizer(client: KubeClient, options: KubeScrapeAuthorizerOptions = {}): ScrapeAuthorizer {
  const allowTtl = options.allowTtlMs ?? 60_000;
  const denyTtl = options.denyTtlMs ?? 10_000;
  const maxEntries = options.maxEntries ?? 1024;
  const now = options.now ?? Date.now;
  const cache = new Map<string, { readonly decision: ScrapeDecision; readonly expires: number }>();

  const remember = (key: string, decision: ScrapeDecision): ScrapeDecision => {
    cache.delete(key);
    while (cache.size >= maxEntries) {
      const oldest = cache.keys().next().value;
      if (oldest === undefined) break;
      cache.delete(oldest);
    }
    cache.set(key, { decision, expires: now() + (decision.status === 200 ? allowTtl : denyTtl) });
    return decision;
  };

  const review = async (token: string, path: string): Promise<ScrapeDecision> => {
    const tokenReview = await client.request<{ status?: TokenReviewStatus }>(
      'POST',
      `/apis/${coreResources.tokenReviews.group}/v1/${coreResources.tokenReviews.plural}`,
      {
        body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } },
        unfenced: true,
      },
    );
    const user = tokenReview.status?.user;
    if (tokenReview.status?.authenticated !== true || user?.username === undefined) return { status: 401, reason: 'Unauthorized' };
    const access = await client.request<{ status?: { allowed?: boolean } }>(
      'POST',
      `/apis/${coreResources.subjectAccessReviews.group}/v1/${coreResources.subjectAccessReviews.plural}`,
      {
        body: {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SubjectAccessReview',
          spec: {
            user: user.username,
            ...(user.uid === undefined ? {} : { uid: user.uid }),
            ...(user.groups === undefined ? {} : { groups: user.groups }),
            ...(user.extra === undefined ? {} : { extra: user.extra }),
            nonResourceAttributes: { path, verb: 'get' },
          },
        },
        unfenced: true,
      },
    );
    return access.status?.allowed === true ? { status: 200, reason: 'ok' } : { status: 403, reason: `Forbidden (user may not get ${path})` };
  };

  return {
    async authorize(authorization, path) {
      const token = BEARER.exec(authorization ?? '')?.[1];
      if (token === undefined) return { status: 401, reason: 'Unauthorized (a bearer token is required)' };
      const key = `${path}\0${createHash('sha256').update(token, 'utf8').digest('base64')}`;
      const cached = cache.get(key);
      if (cached !== undefined && cached.expires > now()) return cached.decision;
      try {
        return remember(key, await review(token, path));
      } catch {
        return { status: 500, reason: 'the token could not be reviewed' };
      }
    },
  };
}
