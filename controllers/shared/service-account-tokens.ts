/**
 * Short-lived tokens of the ServiceAccounts TeamsTenants name for workload identity, from the Kubernetes
 * TokenRequest API. The token is the client assertion the controller presents to Entra ID, so the subject Entra
 * sees is `system:serviceaccount:<namespace>:<name>` of the tenant's own namespace: an app that trusts namespace A
 * cannot be used from namespace B (the controller's own identity is never presented).
 */
import { AuthFailedError, Redacted } from '../../pkg/graph/index.ts';
import { ApiError } from '../../pkg/runtime/api-error.ts';
import { systemClock, type Clock } from '../../pkg/runtime/clock.ts';
import type { KubeClient } from '../../pkg/runtime/kube-client.ts';

/** Lifetime asked for (the apiserver may shorten it; its answer's expiry is what counts). The TokenRequest minimum is 600 s. */
export const TOKEN_LIFETIME_SECONDS = 3600;
/** A token is replaced once this share of its lifetime has passed, so Entra never receives one about to expire. */
const REFRESH_AT_SHARE = 0.8;

/** What the TokenRequest API answered: the token and when it expires (ms since the epoch). */
export interface IssuedToken {
  readonly token: Redacted;
  readonly expiresAtMs: number;
}

/** Asks the apiserver for a token of `namespace/name` with `audience`. Throws on failure. */
export type TokenRequester = (namespace: string, name: string, audience: string, expirationSeconds: number) => Promise<IssuedToken>;

interface Entry {
  readonly token: IssuedToken;
  readonly refreshAtMs: number;
}

/**
 * One cache per process, keyed by namespace, ServiceAccount and audience (TeamsTenants of one namespace that name
 * the same ServiceAccount share its token; a token is never shared across namespaces).
 *
 * When to use: `assertion(...)` is the `getAssertion` of federated credentials; msal calls it only when it needs a
 * new access token. Gotchas: concurrent callers of one key share one request; a failed request is not cached,
 * so the next call asks again (the controllers' backoff paces it).
 */
export class ServiceAccountTokens {
  readonly #request: TokenRequester;
  readonly #clock: Clock;
  readonly #entries = new Map<string, Entry>();
  readonly #inFlight = new Map<string, Promise<IssuedToken>>();

  constructor(request: TokenRequester, clock: Clock = systemClock) {
    this.#request = request;
    this.#clock = clock;
  }

  /** A valid token of the ServiceAccount, from the cache until 80% of its lifetime has passed. */
  async token(namespace: string, name: string, audience: string): Promise<Redacted> {
    const key = `${namespace}/${name}/${audience}`;
    const now = this.#clock.now();
    const cached = this.#entries.get(key);
    if (cached !== undefined && now < cached.refreshAtMs) return cached.token.token;
    const pending = this.#inFlight.get(key) ?? this.#fetch(key, namespace, name, audience, now);
    return (await pending).token;
  }

  /** Number of cached tokens (for tests and metrics). */
  get size(): number {
    return this.#entries.size;
  }

  #fetch(key: string, namespace: string, name: string, audience: string, requestedAtMs: number): Promise<IssuedToken> {
    // Tokens of ServiceAccounts no tenant uses any more are dropped once expired, so the cache stays bounded.
    for (const [k, e] of this.#entries) if (e.token.expiresAtMs <= requestedAtMs) this.#entries.delete(k);
    const pending = this.#request(namespace, name, audience, TOKEN_LIFETIME_SECONDS)
      .then((issued) => {
        const lifetime = Math.max(0, issued.expiresAtMs - requestedAtMs);
        this.#entries.set(key, { token: issued, refreshAtMs: requestedAtMs + Math.floor(lifetime * REFRESH_AT_SHARE) });
        return issued;
      })
      .finally(() => this.#inFlight.delete(key));
    this.#inFlight.set(key, pending);
    return pending;
  }
}

/** The TokenRequest body the apiserver answers; only the parts read here. */
interface TokenRequestAnswer {
  readonly status?: { readonly token?: string; readonly expirationTimestamp?: string };
}

/**
 * A {@link TokenRequester} over the controller's apiserver client: `POST .../serviceaccounts/<name>/token`
 * (RBAC: `create` on `serviceaccounts/token`). Not fenced: it changes nothing in the cluster, and standbys need
 * tokens too. Failures become AuthFailedError with a message naming the ServiceAccount, never the token.
 */
export function kubeTokenRequester(client: KubeClient, clock: Clock = systemClock): TokenRequester {
  return async (namespace, name, audience, expirationSeconds) => {
    const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/serviceaccounts/${encodeURIComponent(name)}/token`;
    const requestedAtMs = clock.now();
    let answer: TokenRequestAnswer | undefined;
    try {
      // An empty body (undefined) is bad input from the apiserver: reported below, never a crash.
      answer = await client.request<TokenRequestAnswer | undefined>('POST', path, {
        unfenced: true,
        body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { audiences: [audience], expirationSeconds } },
      });
    } catch (error) {
      throw tokenRequestError(namespace, name, error);
    }
    const token = answer?.status?.token;
    if (token === undefined || token === '') {
      throw new AuthFailedError(`The apiserver returned no token for ServiceAccount ${namespace}/${name}`, { reason: 'FederatedTokenUnreadable' });
    }
    const expires = Date.parse(answer?.status?.expirationTimestamp ?? '');
    return { token: Redacted.of(token), expiresAtMs: Number.isFinite(expires) ? expires : requestedAtMs + expirationSeconds * 1000 };
  };
}

function tokenRequestError(namespace: string, name: string, error: unknown): AuthFailedError {
  const code = error instanceof ApiError ? error.code : undefined;
  const message =
    code === 404
      ? `ServiceAccount ${namespace}/${name} named by spec.credentials.workloadIdentity does not exist: create it in the TeamsTenant's namespace`
      : code === 403
        ? `The controller may not request tokens for ServiceAccount ${namespace}/${name}: its role needs create on serviceaccounts/token`
        : `Could not request a token for ServiceAccount ${namespace}/${name} from the apiserver${code === undefined || code === 0 ? '' : ` (HTTP ${code})`}`;
  return new AuthFailedError(message, { reason: 'FederatedTokenUnreadable', cause: error });
}
