/**
 * PresenceSync reconciler, top to bottom: observe (the object, its tenant and mappings from the caches, the Secrets
 * it names, the tenant's Microsoft 365 users through the Graph port) → plan (pure, plan.ts) → apply (hand the plan
 * to the object's long-lived runner, runner.ts) → report (pure, report.ts) → summarizeStatus. Passes come from spec
 * changes, from the tenant and its mappings changing, from a poll cycle that changed what the status shows (the
 * first one, a failure, a recovery) and from a periodic requeue that refreshes the tenant's user list.
 */
import { CommonReason, SecretPurpose, SecretPurposeLabel, type SecretKeyRef } from '../../pkg/apis/teamssync/v1alpha1/index.ts';
import { isGraphError, Redacted, type TenantClientRequest } from '../../pkg/graph/index.ts';
import type { PresenceMetrics } from '../../pkg/presence/metrics.ts';
import type { PbxUserRef } from '../../pkg/presence/user-matching.ts';
import {
  keyFor,
  summarizeStatus,
  type EventRecorder,
  type ObjectKey,
  type ReconcileContext,
  type Reconciler,
  type Request,
  type Result,
  type SecretReader,
  type StatusWriter,
  type Store,
} from '../../pkg/runtime/index.ts';
import type { CachedMapping, CachedTenant } from '../shared/resources.ts';
import type { ServiceAccountTokens } from '../shared/service-account-tokens.ts';
import { CredentialsUnavailableError, resolveTenantCredentials } from '../shared/tenant-credentials.ts';
import type { PresenceGraph } from './graph-port.ts';
import { PresenceSyncMemo } from './object-memo.ts';
import { planPresenceSync, type PresenceSyncObservation, type PresenceSyncPlan } from './plan.ts';
import type { PresenceRunnerRegistry } from './registry.ts';
import { reportBlocked, reportPresenceSync, type Verdict } from './report.ts';
import { BY_TENANT_INDEX, presenceSyncResource, type PresenceSync } from './resources.ts';
import type { RunnerDeps } from './runner.ts';
import type { TenantUserCache } from './user-cache.ts';

/** Collaborators of {@link PresenceSyncReconciler}. */
export interface PresenceSyncReconcilerDeps {
  readonly presenceSyncs: Store<PresenceSync>;
  readonly tenants: Store<CachedTenant>;
  readonly mappings: Store<CachedMapping>;
  readonly getSecret: SecretReader;
  readonly serviceAccountTokens: ServiceAccountTokens;
  /** The Graph port of a tenant (`namespace/name`) with these credentials; pkg/graph caches the client behind it. */
  readonly graph: (tenantKey: string, request: TenantClientRequest) => PresenceGraph;
  readonly users: TenantUserCache;
  readonly registry: PresenceRunnerRegistry;
  /** Shared by every runner; `onStatusChanged` is added per object. */
  readonly runnerDeps: Omit<RunnerDeps, 'key' | 'onCycle' | 'onStatusChanged'>;
  readonly statusWriter: StatusWriter;
  readonly events: Pick<EventRecorder, 'normal' | 'warning'>;
  readonly metrics?: PresenceMetrics;
  /** Enqueues a key (the controller's `enqueue`), for a status refresh after a poll cycle that changed what status shows. */
  readonly enqueue?: (key: ObjectKey) => void;
}

/** Longest gap between two passes of a running PresenceSync (status of PBX-only objects, user list refresh). */
export const MAX_REQUEUE_MS = 30_000;

/** The PresenceSync reconciler; see the file comment. */
export class PresenceSyncReconciler implements Reconciler {
  readonly #deps: PresenceSyncReconcilerDeps;
  /** Last unmatched-users note per object, so the Event is recorded when the set changes, not every pass. */
  readonly #unmatchedNotes = new Map<string, string>();
  /** The validated spec and user selection per object, kept while their inputs are unchanged (object-memo.ts). */
  readonly #memo = new PresenceSyncMemo();

  constructor(deps: PresenceSyncReconcilerDeps) {
    this.#deps = deps;
  }

  async reconcile(req: Request, ctx: ReconcileContext): Promise<Result> {
    const key = keyFor(req);
    try {
      return await this.#reconcile(req, key, ctx);
    } finally {
      this.#deps.registry.reconciled(key);
    }
  }

  async #reconcile(req: Request, key: string, ctx: ReconcileContext): Promise<Result> {
    const { registry, statusWriter } = this.#deps;
    const obj = this.#deps.presenceSyncs.getByName(req.namespace, req.name);
    if (obj === undefined || obj.metadata.deletionTimestamp !== undefined) {
      await this.#forget(key);
      return {};
    }

    // Observe. Anything that stops the sync comes back as a verdict to show, never as a thrown error.
    const observed = await observe(obj, this.#deps, this.#memo.validate(key, obj), ctx.signal);
    if (observed.kind === 'blocked') {
      await registry.remove(key);
      await summarizeStatus(statusWriter, presenceSyncResource, obj, reportBlocked(observed.verdict), { signal: ctx.signal, answer: 'unread' });
      const { verdict } = observed;
      if (verdict.kind === 'failed') this.#deps.events.warning(obj, 'PresenceSyncBlocked', verdict.message);
      return verdict.kind === 'failed' && !verdict.retrying ? {} : { requeueAfter: MAX_REQUEUE_MS };
    }

    // Plan.
    const { observation } = observed;
    const plan = planPresenceSync(observation, this.#memo.selectUsers(key, observation.spec.users, observation.m365Users, observation.mappingUsers));

    // Apply: the runner starts, updates or stops its parts; all Graph I/O after this happens inside them. A suspended
    // plan keeps the runner (its stream stays readable) but stops polling, deliveries and writes.
    const runner = registry.ensure(key, { ...this.#deps.runnerDeps, onStatusChanged: () => this.#deps.enqueue?.(req) });
    await runner.apply({
      plan,
      graph: observed.graph,
      pbxTokens: observed.pbxTokens,
      streamTokens: observed.streamTokens,
      ...(observed.webhook === undefined ? {} : { webhook: observed.webhook }),
    });
    // Open streams are re-checked against the new settings: a rotated token or a stream turned off ends them.
    registry.changed(key);

    // Report, and write the status when it changed.
    const summary = reportPresenceSync(plan, { ...runner.facts(), missingSecrets: observed.missingSecrets, unlabelledSecrets: observed.unlabelledSecrets });
    await summarizeStatus(statusWriter, presenceSyncResource, obj, summary, { signal: ctx.signal, answer: 'unread' });
    this.#recordUnmatched(obj, key, plan);
    ctx.log.debug({ tracked: plan.users.matched.length, unmatched: plan.users.unmatched.count }, 'Presence sync applied');
    const dueIn = this.#deps.users.dueIn(observed.tenantKey);
    return { requeueAfter: Math.min(MAX_REQUEUE_MS, Math.max(1000, dueIn)) };
  }

  async #forget(key: string): Promise<void> {
    await this.#deps.registry.remove(key);
    this.#unmatchedNotes.delete(key);
    this.#memo.forget(key);
    this.#deps.metrics?.usersUnmatched.remove({ sync: key });
    this.#deps.metrics?.usersTracked.remove({ sync: key });
  }

  #recordUnmatched(obj: PresenceSync, key: string, plan: PresenceSyncPlan): void {
    const { count, sample } = plan.users.unmatched;
    this.#deps.metrics?.usersUnmatched.set({ sync: key }, count);
    const shown = sample.slice(0, 5).join(', ');
    const note =
      count === 0 ? '' : `${count} selected PBX users match no Teams user principal name${shown === '' ? '' : ` (e.g. ${shown})`}; see status.unmatchedSample`;
    if (this.#unmatchedNotes.get(key) === note) return;
    this.#unmatchedNotes.set(key, note);
    if (note !== '') this.#deps.events.warning(obj, 'UnmatchedUsersFound', note);
  }
}

/** A PresenceSync that can run: what plan and apply need. */
interface ReadyToRun {
  readonly kind: 'ready';
  readonly tenantKey: string;
  readonly observation: PresenceSyncObservation;
  readonly graph: PresenceGraph;
  /** Tokens the PBX events endpoint accepts (write). */
  readonly pbxTokens: readonly Redacted[];
  /** Tokens the SSE stream accepts (read): `spec.stream.tokenSecretRef`, or the PBX token when that is unset. */
  readonly streamTokens: readonly Redacted[];
  readonly webhook?: { readonly url: string; readonly secrets: readonly Redacted[] };
  /** `secret/key` names that could not be read (never values). */
  readonly missingSecrets: readonly string[];
  /** Secrets that exist but are not labelled for the purpose they were referenced for (not read), by name. */
  readonly unlabelledSecrets: readonly UnlabelledSecret[];
}

/** A PresenceSync that cannot run now, and why. */
interface Blocked {
  readonly kind: 'blocked';
  readonly verdict: Exclude<Verdict, { kind: 'ok' }>;
}

/** A referenced Secret not labelled for the purpose it was referenced for (its name only). */
interface UnlabelledSecret {
  readonly name: string;
  readonly purpose: SecretPurpose;
}

const failed = (reason: string, message: string, retrying = false): Blocked => ({ kind: 'blocked', verdict: { kind: 'failed', reason, message, retrying } });
const waiting = (reason: string, message: string): Blocked => ({ kind: 'blocked', verdict: { kind: 'progressing', reason, message } });

/**
 * Observes one PresenceSync (the object comes from the cache; `validated` is its validation, kept per generation).
 *
 * Gotchas: a suspended TeamsTenant suspends its PresenceSyncs too ("stop all writes"); PresenceSyncs of one tenant
 * that poll split its Graph budget, so they are counted here.
 */
async function observe(
  obj: PresenceSync,
  deps: PresenceSyncReconcilerDeps,
  validated: ReturnType<PresenceSyncMemo['validate']>,
  signal: AbortSignal,
): Promise<ReadyToRun | Blocked> {
  const namespace = obj.metadata.namespace ?? '';
  if (!validated.ok) return failed(CommonReason.InvalidSpec, `Invalid spec: ${validated.errors.slice(0, 3).join('; ')}`);
  const spec = validated.value.spec;
  const tenant = deps.tenants.getByName(namespace, spec.tenantRef.name);
  if (tenant === undefined) return failed(CommonReason.TenantNotFound, `TeamsTenant ${spec.tenantRef.name} does not exist in namespace ${namespace}`);
  const tenantKey = `${namespace}/${spec.tenantRef.name}`;
  let graph: PresenceGraph;
  try {
    const { credentials, version } = await resolveTenantCredentials(tenant, deps);
    graph = deps.graph(tenantKey, { tenantId: tenant.spec.tenantId, cloud: tenant.spec.cloud, credentials, version });
  } catch (error) {
    if (!(error instanceof CredentialsUnavailableError) && !(error instanceof TypeError)) throw error;
    const message = error instanceof CredentialsUnavailableError ? error.message : 'its spec cannot be read';
    return waiting(CommonReason.TenantNotReady, `TeamsTenant ${spec.tenantRef.name} has no usable credentials: ${message}`);
  }
  let m365Users;
  try {
    m365Users = (await deps.users.users(tenantKey, graph, signal)).users;
  } catch (error) {
    return usersUnavailable(error);
  }
  const problems: SecretProblems = { missing: [], unlabelled: [] };
  // Only Secrets labelled for the purpose are read: a webhook key signs what goes to a URL the object's author chose,
  // and a PBX token is answered 200 or 403 on the presence port, so any other key of the namespace would become a
  // signing or guessing oracle for whoever may create PresenceSyncs.
  const tokenRef = spec.pbxEvents?.tokenSecretRef;
  const token = tokenRef === undefined ? undefined : await readSecretKey(deps.getSecret, namespace, tokenRef, problems, SecretPurpose.PbxToken);
  const streamTokenRef = spec.stream.tokenSecretRef;
  const streamToken = streamTokenRef === undefined ? token : await readSecretKey(deps.getSecret, namespace, streamTokenRef, problems, SecretPurpose.PbxToken);
  const hmacRef = spec.webhook?.hmacSecretRef;
  const hmac = hmacRef === undefined ? undefined : await readSecretKey(deps.getSecret, namespace, hmacRef, problems, SecretPurpose.WebhookSigning);
  const polling = deps.presenceSyncs.byIndex(BY_TENANT_INDEX, tenantKey).filter((other) => !other.spec.suspend && other.spec.direction !== 'PbxToTeams');
  return {
    kind: 'ready',
    tenantKey,
    graph,
    pbxTokens: token === undefined ? [] : [token],
    streamTokens: streamToken === undefined ? [] : [streamToken],
    ...(spec.webhook === undefined || hmac === undefined ? {} : { webhook: { url: spec.webhook.url, secrets: [hmac] } }),
    missingSecrets: problems.missing,
    unlabelledSecrets: problems.unlabelled,
    observation: {
      spec: tenant.spec.suspend ? { ...spec, suspend: true } : spec,
      mappingUsers: spec.users.fromMappings ? mappingUsersOf(deps.mappings.byIndex(BY_TENANT_INDEX, tenantKey)) : [],
      m365Users,
      presenceSyncsOnTenant: Math.max(1, polling.length),
    },
  };
}

/** Why the tenant's users could not be read. Messages are pkg/graph's sanitised ones. */
function usersUnavailable(error: unknown): Blocked {
  const detail = error instanceof Error ? error.message : 'unknown error';
  if (isGraphError(error, 'Throttled')) return waiting(CommonReason.Throttled, 'Microsoft Graph throttled the user list; retrying');
  if (isGraphError(error, 'AuthFailed') || isGraphError(error, 'ConsentRequired'))
    return waiting(CommonReason.TenantNotReady, `The tenant cannot read its users: ${detail}`);
  return failed(CommonReason.GraphUnavailable, `Reading the tenant's users failed: ${detail}`, true);
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
async function readSecretKey(
  getSecret: SecretReader,
  namespace: string,
  ref: SecretKeyRef,
  problems: SecretProblems,
  purpose: SecretPurpose,
): Promise<Redacted | undefined> {
  const secret = await getSecret(namespace, ref.name);
  if (secret !== undefined && secret.metadata?.labels?.[SecretPurposeLabel] !== purpose) {
    if (!problems.unlabelled.some((u) => u.name === ref.name && u.purpose === purpose)) problems.unlabelled.push({ name: ref.name, purpose });
    return undefined;
  }
  const encoded = secret?.data?.[ref.key];
  const value = encoded === undefined ? '' : Buffer.from(encoded, 'base64').toString('utf8').trim();
  if (value === '') problems.missing.push(`${ref.name}/${ref.key}`);
  return value === '' ? undefined : Redacted.of(value);
}

function mappingUsersOf(mappings: readonly CachedMapping[]): PbxUserRef[] {
  return mappings.map((mapping) => {
    const pbx = mapping.spec.pbxUser;
    return { ...(pbx.email === undefined ? {} : { email: pbx.email }), ...(pbx.extension === undefined ? {} : { extension: pbx.extension }) };
  });
}
