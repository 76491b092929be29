/**
 * The objects `kubectl teamssync sync` (and its alias `teamssync-login`) creates, pure: the short-lived token
 * Secret and the TeamsSync run that references it. Kept apart from the command so tests can check their shape
 * without a sign-in.
 */
import { ApiVersion } from '../../../pkg/apis/teamssync/v1alpha1/group.ts';
import { DelegatedTokenLabel, TenantLabel, TokenExpiresAtAnnotation } from '../../../controllers/teamssync/resources.ts';

/** What the run asks for. */
export interface RunRequest {
  readonly namespace: string;
  readonly tenant: string;
  readonly runName: string;
  readonly dryRun: boolean;
  readonly diagnostic: boolean;
  /** Mapping names; empty = every mapping of the tenant. */
  readonly mappings: readonly string[];
  readonly note?: string | undefined;
}

/** The Secret key the token is stored under. */
const TokenKey = 'token';

/** `<tenant>-sync-<yyyymmdd>-<hhmmss>`, shortened to a valid object name. */
export function defaultRunName(tenant: string, at: Date): string {
  const iso = at.toISOString();
  const suffix = `-sync-${iso.slice(0, 10).replaceAll('-', '')}-${iso.slice(11, 19).replaceAll(':', '')}`;
  const head = tenant.slice(0, 63 - suffix.length - '-token'.length).replace(/[^a-z0-9]+$/, '');
  return `${head === '' ? 'tenant' : head}${suffix}`;
}

/** The name of the run's token Secret. */
function tokenSecretName(runName: string): string {
  return `${runName}-token`;
}

/**
 * The token Secret: Opaque, labelled so stray ones can be found, annotated with the token's expiry
 * (the controller deletes it when the run ends; an owner reference added after the run exists lets
 * the garbage collector delete it if the run is deleted first).
 */
export function tokenSecret(req: RunRequest, accessToken: string, expiresOn: Date): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'Opaque',
    metadata: {
      name: tokenSecretName(req.runName),
      namespace: req.namespace,
      labels: { [DelegatedTokenLabel]: 'true', [TenantLabel]: req.tenant },
      annotations: { [TokenExpiresAtAnnotation]: expiresOn.toISOString() },
    },
    data: { [TokenKey]: Buffer.from(accessToken, 'utf8').toString('base64') },
  };
}

/** The TeamsSync run; `withToken` false creates a run without a sign-in (dry runs, Auto-mode tenants). */
export function teamsSyncRun(req: RunRequest, withToken: boolean): Record<string, unknown> {
  const scope = req.mappings.length === 0 ? { type: 'All' } : { type: 'Mappings', mappings: [...new Set(req.mappings)] };
  return {
    apiVersion: ApiVersion,
    kind: 'TeamsSync',
    metadata: { name: req.runName, namespace: req.namespace, labels: { [TenantLabel]: req.tenant } },
    spec: {
      tenantRef: { name: req.tenant },
      trigger: 'Manual',
      dryRun: req.dryRun,
      diagnostic: req.diagnostic,
      scope,
      ...(withToken ? { delegatedTokenSecretRef: { name: tokenSecretName(req.runName), key: TokenKey } } : {}),
      ...(req.note === undefined ? {} : { note: req.note }),
    },
  };
}

/** The owner reference that ties the Secret's life to the run's. */
export function ownedByRun(run: { metadata?: { name?: string; uid?: string } }): Record<string, unknown> {
  return {
    metadata: {
      ownerReferences: [{ apiVersion: ApiVersion, kind: 'TeamsSync', name: run.metadata?.name ?? '', uid: run.metadata?.uid ?? '', blockOwnerDeletion: false }],
    },
  };
}

/** What to run next to follow the run (printed; names only, nothing secret). */
export function waitHint(req: RunRequest): string {
  return [
    `kubectl wait --namespace ${req.namespace} teamssync/${req.runName} --for=jsonpath='{.status.phase}'=Succeeded --timeout=30m`,
    `kubectl teamssync show --namespace ${req.namespace} ${req.runName}   # counts, per-user results and output`,
  ].join('\n');
}
