/**
 * Observe step of the TeamsSync controller: what a run needs to decide and proceed, read from the
 * informer caches, except the run itself (re-read from the apiserver before it starts or resumes:
 * a stale cached Pending or Running copy must never run a sync twice) and the token Secret (read
 * once, never cached, never logged).
 */
import type { TeamsSync, TeamsTenant, UserLicenseMapping } from './resources.ts';
import { redact, type Redacted } from '../../pkg/graph/index.ts';
import { isNotFound, type Informer, type KubeClient, type KubeObject } from '../../pkg/runtime/index.ts';
import type { DelegatedToken } from './authorize.ts';
import { DelegatedTokenLabel, SYNC_BY_TENANT_INDEX, secretResource, teamsSyncResource } from './resources.ts';
import type { RunSummary } from './retention.ts';
import { decodeDelegatedToken } from './token-claims.ts';

/** The caches and client observe reads from. */
export interface ObserveDeps {
  readonly client: KubeClient;
  readonly runs: Informer<TeamsSync>;
  readonly tenants: Informer<TeamsTenant>;
  readonly mappings: Informer<UserLicenseMapping>;
}

/** The mappings a run covers. */
export interface RunScope {
  /** In name order, so output and results read the same in every run. */
  readonly mappings: readonly UserLicenseMapping[];
  /** Names listed in `spec.scope.mappings` that do not exist (reported as skipped). */
  readonly missing: readonly string[];
}

/** The summary retention and ordering read. */
export function summaryOf(run: TeamsSync): RunSummary {
  return {
    namespace: run.metadata.namespace ?? '',
    name: run.metadata.name,
    tenant: run.spec.tenantRef.name,
    phase: run.status?.phase,
    creationTimestamp: run.metadata.creationTimestamp ?? '',
    trigger: run.spec.trigger,
  };
}

/** Every run of the tenant, from the cache. */
export function tenantRuns(deps: Pick<ObserveDeps, 'runs'>, namespace: string, tenant: string): RunSummary[] {
  return deps.runs.store.byIndex(SYNC_BY_TENANT_INDEX, `${namespace}/${tenant}`).map(summaryOf);
}

/** The run as the apiserver has it now (undefined once deleted). */
export async function freshRun(client: KubeClient, namespace: string, name: string, signal: AbortSignal): Promise<TeamsSync | undefined> {
  try {
    return await client.get<TeamsSync>(teamsSyncResource, namespace, name, signal);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** The run's tenant from the cache. */
export function tenantOf(deps: Pick<ObserveDeps, 'tenants'>, run: TeamsSync): TeamsTenant | undefined {
  return deps.tenants.store.getByName(run.metadata.namespace ?? '', run.spec.tenantRef.name);
}

/** The mappings in the run's scope, from the cache. */
export function scopeOf(deps: Pick<ObserveDeps, 'mappings'>, run: TeamsSync): RunScope {
  const namespace = run.metadata.namespace ?? '';
  const ofTenant = deps.mappings.store.byIndex(SYNC_BY_TENANT_INDEX, `${namespace}/${run.spec.tenantRef.name}`);
  const byName = (a: UserLicenseMapping, b: UserLicenseMapping): number => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0);
  if (run.spec.scope.type === 'All') return { mappings: [...ofTenant].sort(byName), missing: [] };
  const wanted = new Set(run.spec.scope.mappings ?? []);
  const found = ofTenant.filter((m) => wanted.has(m.metadata.name)).sort(byName);
  const foundNames = new Set(found.map((m) => m.metadata.name));
  return { mappings: found, missing: [...wanted].filter((n) => !foundNames.has(n)).sort() };
}

/** The delegated token of a run: its claims for the decision and the raw value, redacted, for Graph. */
export interface TokenReading {
  readonly token: DelegatedToken | undefined;
  readonly raw?: Redacted<string> | undefined;
}

interface SecretData {
  readonly metadata?: {
    readonly labels?: Readonly<Record<string, string>>;
    readonly ownerReferences?: { readonly kind?: string; readonly uid?: string }[];
  };
  readonly data?: Readonly<Record<string, string>>;
}

/**
 * Why a Secret may not serve as (and be deleted as) this run's token, or undefined when it may.
 * Only Secrets the sign-in command made for a run qualify: labelled as a delegated token, and owned
 * by nothing but this run (the command adds the run as owner once the run exists). Anything else a
 * spec names (an app's client secret, another run's token) is neither read nor deleted.
 */
export function tokenSecretRefusal(secret: SecretData, run: TeamsSync): string | undefined {
  const where = `Secret ${run.metadata.namespace ?? ''}/${run.spec.delegatedTokenSecretRef?.name ?? ''}`;
  if (secret.metadata?.labels?.[DelegatedTokenLabel] !== 'true') {
    return `${where} was not made by the sign-in command (it lacks the label ${DelegatedTokenLabel}=true); the controller reads and deletes only token Secrets made for a run`;
  }
  const others = (secret.metadata?.ownerReferences ?? []).filter((o) => !(o.kind === 'TeamsSync' && o.uid === run.metadata.uid));
  if (others.length > 0) return `${where} belongs to another object (${others.map((o) => o.kind ?? 'unknown').join(', ')}), not to this run`;
  return undefined;
}

/**
 * Reads `spec.delegatedTokenSecretRef` (same namespace). `token` is undefined when the run has no
 * reference. Messages name the Secret and key, never the value.
 */
export async function readDelegatedToken(client: KubeClient, run: TeamsSync, signal: AbortSignal): Promise<TokenReading> {
  const ref = run.spec.delegatedTokenSecretRef;
  if (ref === undefined) return { token: undefined };
  const namespace = run.metadata.namespace ?? '';
  let secret: SecretData;
  try {
    secret = await client.get<KubeObject & SecretData>(secretResource, namespace, ref.name, signal);
  } catch (err) {
    if (isNotFound(err)) return { token: { state: 'Missing', detail: `Secret ${namespace}/${ref.name} does not exist` } };
    throw err;
  }
  const refusal = tokenSecretRefusal(secret, run);
  if (refusal !== undefined) return { token: { state: 'Unusable', detail: refusal } };
  const encoded = secret.data?.[ref.key];
  if (encoded === undefined || encoded === '') return { token: { state: 'Missing', detail: `Secret ${namespace}/${ref.name} has no key ${ref.key}` } };
  const raw = Buffer.from(encoded, 'base64').toString('utf8').trim();
  const token = decodeDelegatedToken(raw);
  return token.state === 'Present' ? { token, raw: redact(raw) } : { token };
}
