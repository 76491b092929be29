/**
 * PresenceSync observe: everything the plan needs, read from the informer caches (the object, its tenant, the
 * tenant's mappings and PresenceSyncs), the referenced Secrets and the tenant's Microsoft 365 users. Anything that
 * stops the sync (bad spec, missing tenant, a tenant that cannot authenticate) comes back as a `blocked` outcome
 * with the conditions to show, never as a thrown error.
 */
import {
  CommonReason, SecretPurpose, SecretPurposeLabel, validatePresenceSync,
  type SecretKeyRef,
} from '../../pkg/apis/teamssync/v1alpha1/index.ts';
import { isGraphError, Redacted, type GraphClientFactory, type GraphTenantClient } from '../../pkg/graph/index.ts';
import type { PbxUserRef } from '../../pkg/presence/user-matching.ts';
import type { SyncState } from '../../pkg/runtime/conditions.ts';
import type { Store } from '../../pkg/runtime/store.ts';
import type { ServiceAccountTokens } from '../shared/service-account-tokens.ts';
import { CredentialsUnavailableError, resolveTenantCredentials, type SecretGetter } from '../shared/tenant-credentials.ts';
import type { PresenceSyncObservation } from './plan.ts';
import { BY_TENANT_INDEX, type PresenceSync, type TeamsTenant, type UserLicenseMapping } from './resources.ts';
import type { TenantUserCache } from './user-cache.ts';

/** Where observe reads from. */
export interface ObserveSources {
  readonly presenceSyncs: Store<PresenceSync>;
  readonly tenants: Store<TeamsTenant>;
  readonly mappings: Store<UserLicenseMapping>;
  readonly getSecret: SecretGetter;
  readonly serviceAccountTokens: ServiceAccountTokens;
  readonly graph: GraphClientFactory;
  readonly users: TenantUserCache;
}

/** A PresenceSync that can run. */
export interface ObservedPresenceSync {
  readonly kind: 'ready';
  readonly tenantKey: string;
  readonly observation: PresenceSyncObservation;
  readonly client: GraphTenantClient;
  /** Tokens the PBX events endpoint accepts (write). */
  readonly pbxTokens: readonly Redacted<string>[];
  /** Tokens the SSE stream accepts (read): `spec.stream.tokenSecretRef`, or the PBX token when that is unset. */
  readonly streamTokens: readonly Redacted<string>[];
  readonly webhook?: { readonly url: string; readonly secrets: readonly Redacted<string>[] };
  /** `secret/key` names that could not be read (never values). */
  readonly missingSecrets: readonly string[];
  /** Names of Secrets that exist but are not labelled for the purpose they were referenced for (not read). */
  readonly unlabelledSecrets: readonly UnlabelledSecret[];
}

/** A PresenceSync that cannot run now; `state` becomes its conditions. */
export interface BlockedPresenceSync {
  readonly kind: 'blocked';
  readonly state: SyncState;
}

/** Outcome of {@link observePresenceSync}. */
export type Observed = ObservedPresenceSync | BlockedPresenceSync;

function blocked(state: SyncState): BlockedPresenceSync {
  return { kind: 'blocked', state };
}

/** A referenced Secret not labelled for the purpose it was referenced for (its name only). */
export interface UnlabelledSecret {
  readonly name: string;
  readonly purpose: SecretPurpose;
}

/** Where a referenced Secret key is reported when it cannot be used. */
interface SecretProblems {
  readonly missing: string[];
  readonly unlabelled: UnlabelledSecret[];
}

/**
 * Reads one key of a referenced Secret, only from a Secret labelled for `purpose` ({@link SecretPurposeLabel});
 * another Secret is not read and its name is reported.
 */
async function readSecretKey(getSecret: SecretGetter, namespace: string, ref: SecretKeyRef, problems: SecretProblems, purpose: SecretPurpose): Promise<Redacted<string> | undefined> {
  const secret = await getSecret(namespace, ref.name);
  if (secret !== undefined && secret.metadata?.labels?.[SecretPurposeLabel] !== purpose) {
    if (!problems.unlabelled.some((u) => u.name === ref.name && u.purpose === purpose)) problems.unlabelled.push({ name: ref.name, purpose });
    return undefined;
  }
  const missing = problems.missing;
  const encoded = secret?.data?.[ref.key];
  const value = encoded === undefined ? '' : Buffer.from(encoded, 'base64').toString('utf8').trim();
  if (value === '') missing.push(`${ref.name}/${ref.key}`);
  return value === '' ? undefined : Redacted.of(value);
}

/** Why the tenant's users could not be read, as conditions. Messages are pkg/graph's sanitised ones. */
function usersUnavailable(error: unknown): SyncState {
  const detail = error instanceof Error ? error.message : 'unknown error';
  if (isGraphError(error, 'Throttled')) return { state: 'syncing', readyUnknown: true, reason: CommonReason.Throttled, message: 'Microsoft Graph throttled the user list; retrying' };
  if (isGraphError(error, 'AuthFailed') || isGraphError(error, 'ConsentRequired')) {
    return { state: 'syncing', readyUnknown: true, reason: CommonReason.TenantNotReady, message: `The tenant cannot read its users: ${detail}` };
  }
  return { state: 'failed', retrying: true, reason: CommonReason.GraphUnavailable, message: `Reading the tenant's users failed: ${detail}` };
}

function mappingUsersOf(mappings: readonly UserLicenseMapping[]): PbxUserRef[] {
  return mappings.map((mapping) => {
    const pbx = mapping.spec?.pbxUser;
    return { ...(typeof pbx?.email === 'string' ? { email: pbx.email } : {}), ...(typeof pbx?.extension === 'string' ? { extension: pbx.extension } : {}) };
  });
}

/**
 * Observes one PresenceSync.
 *
 * When to use: first step of every reconcile; the object comes from the cache.
 * Gotchas: a suspended TeamsTenant suspends its PresenceSyncs too ("stop all writes"); PresenceSyncs of one tenant
 * that poll split its Graph budget, so they are counted here.
 */
export async function observePresenceSync(obj: PresenceSync, sources: ObserveSources, signal?: AbortSignal): Promise<Observed> {
  const namespace = obj.metadata.namespace ?? '';
  const validated = validatePresenceSync(obj);
  if (!validated.ok) return blocked({ state: 'failed', reason: CommonReason.InvalidSpec, message: `Invalid spec: ${validated.errors.slice(0, 3).join('; ')}` });
  const spec = validated.value.spec;
  const tenant = sources.tenants.getByName(namespace, spec.tenantRef.name);
  if (tenant === undefined) return blocked({ state: 'failed', reason: CommonReason.TenantNotFound, message: `TeamsTenant ${spec.tenantRef.name} does not exist in namespace ${namespace}` });
  const tenantKey = `${namespace}/${spec.tenantRef.name}`;
  let client: GraphTenantClient;
  try {
    const { credentials, version } = await resolveTenantCredentials(tenant, sources);
    client = sources.graph.get(tenantKey, { tenantId: tenant.spec.tenantId, cloud: tenant.spec.cloud, credentials, version });
  } catch (error) {
    if (!(error instanceof CredentialsUnavailableError) && !(error instanceof TypeError)) throw error;
    const message = error instanceof CredentialsUnavailableError ? error.message : 'its spec cannot be read';
    return blocked({ state: 'syncing', readyUnknown: true, reason: CommonReason.TenantNotReady, message: `TeamsTenant ${spec.tenantRef.name} has no usable credentials: ${message}` });
  }
  let m365Users;
  try {
    m365Users = (await sources.users.users(tenantKey, client, signal)).users;
  } catch (error) {
    return blocked(usersUnavailable(error));
  }
  const problems: SecretProblems = { missing: [], unlabelled: [] };
  // Only Secrets labelled for the purpose are read: a webhook key signs what goes to a URL the object's author chose,
  // and a PBX token is answered 200 or 403 on the presence port, so any other key of the namespace would become a
  // signing or guessing oracle for whoever may create PresenceSyncs.
  const tokenRef = spec.pbxEvents?.tokenSecretRef;
  const token = tokenRef === undefined ? undefined : await readSecretKey(sources.getSecret, namespace, tokenRef, problems, SecretPurpose.PbxToken);
  const streamTokenRef = spec.stream.tokenSecretRef;
  const streamToken = streamTokenRef === undefined ? token : await readSecretKey(sources.getSecret, namespace, streamTokenRef, problems, SecretPurpose.PbxToken);
  const hmacRef = spec.webhook?.hmacSecretRef;
  const hmac = hmacRef === undefined ? undefined : await readSecretKey(sources.getSecret, namespace, hmacRef, problems, SecretPurpose.WebhookSigning);
  const polling = sources.presenceSyncs.byIndex(BY_TENANT_INDEX, tenantKey).filter((other) => other.spec?.suspend !== true && other.spec?.direction !== 'PbxToTeams');
  return {
    kind: 'ready',
    tenantKey,
    client,
    pbxTokens: token === undefined ? [] : [token],
    streamTokens: streamToken === undefined ? [] : [streamToken],
    ...(spec.webhook === undefined || hmac === undefined ? {} : { webhook: { url: spec.webhook.url, secrets: [hmac] } }),
    missingSecrets: problems.missing,
    unlabelledSecrets: problems.unlabelled,
    observation: {
      spec: tenant.spec.suspend ? { ...spec, suspend: true } : spec,
      mappingUsers: spec.users.fromMappings ? mappingUsersOf(sources.mappings.byIndex(BY_TENANT_INDEX, tenantKey)) : [],
      m365Users,
      presenceSyncsOnTenant: Math.max(1, polling.length),
    },
  };
}
