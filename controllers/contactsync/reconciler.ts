/**
 * ContactSync reconciler, top to bottom: observe (the object, its tenant and mappings from the caches, the directory
 * token Secret, then every selected source through the Graph port with delta rounds, into the contact store) → plan
 * (pure, plan.ts: the de-duplicated directory) → apply (publish it to the store: only changed entries get a new
 * sequence) → report (pure, report.ts) → summarizeStatus. A pass runs at every spec change and every
 * refreshInterval; deleting the object aborts a running pass and removes its data before the finalizer goes.
 */
import {
  CommonReason,
  ContactDataFinalizer,
  ReconcileRequestedAtAnnotation,
  SecretPurpose,
  SecretPurposeLabel,
  parseDuration,
  validateContactSync,
  type ContactSyncSpec,
} from '../../pkg/apis/teamssync/v1alpha1/index.ts';
import type { ContactStore, PublishResult } from '../../pkg/contacts/contact-store.ts';
import type { ContactMetrics } from '../../pkg/contacts/metrics.ts';
import { Redacted, type TenantClientRequest } from '../../pkg/graph/index.ts';
import {
  addFinalizer,
  hasFinalizer,
  keyFor,
  removeFinalizer,
  summarizeStatus,
  type EventRecorder,
  type KubeClient,
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
import type { DirectoryAccess } from './directory-access.ts';
import type { ContactsGraph } from './graph-port.ts';
import type { ImportAborts } from './import-aborts.ts';
import { planCounts, planDirectory, type PlanCounts } from './plan.ts';
import { readSources, type SourceSelection } from './read-sources.ts';
import { reportBlocked, reportDeleting, reportFullReadRunning, reportPass, reportSuspended, type Blocked } from './report.ts';
import { BY_TENANT_INDEX, contactSyncResource, type ContactSync } from './resources.ts';

/** Collaborators of {@link ContactSyncReconciler}. */
export interface ContactSyncReconcilerDeps {
  readonly contactSyncs: Store<ContactSync>;
  readonly tenants: Store<CachedTenant>;
  readonly mappings: Store<CachedMapping>;
  readonly client: KubeClient;
  readonly getSecret: SecretReader;
  readonly serviceAccountTokens: ServiceAccountTokens;
  /** The Graph port of a tenant (`namespace/name`) with these credentials; pkg/graph caches the client behind it. */
  readonly graph: (tenantKey: string, request: TenantClientRequest) => { readonly port: ContactsGraph; readonly clientId: string };
  readonly store: ContactStore;
  readonly access: DirectoryAccess;
  readonly aborts: ImportAborts;
  readonly statusWriter: StatusWriter;
  readonly events: Pick<EventRecorder, 'normal' | 'warning'>;
  readonly metrics?: ContactMetrics | undefined;
}

/** Retry of a pass blocked by something outside the spec (tenant credentials, Graph failing). */
const BLOCKED_RETRY_MS = 60_000;

/** The ContactSync reconciler; see the file comment. */
export class ContactSyncReconciler implements Reconciler {
  readonly #deps: ContactSyncReconcilerDeps;
  /** Store keys (uids) by object key, to drop the data of an object that vanished without its finalizer. */
  readonly #uids = new Map<string, string>();
  /**
   * The last plan's counts per object, with the record revision and publishing rules it was built from. Counts only:
   * the entries are published in the store, and keeping them here would hold a second copy of every directory.
   */
  readonly #plans = new Map<string, { readonly revision: number; readonly rules: string; readonly plan: PlanCounts }>();

  constructor(deps: ContactSyncReconcilerDeps) {
    this.#deps = deps;
  }

  async reconcile(req: Request, ctx: ReconcileContext): Promise<Result> {
    const key = keyFor(req);
    const cached = this.#deps.contactSyncs.getByName(req.namespace, req.name);
    if (cached === undefined) {
      this.#forget(key);
      return {};
    }
    if (cached.metadata.deletionTimestamp !== undefined) {
      await this.#delete(key, cached, ctx.signal);
      return {};
    }
    const pass = this.#deps.aborts.begin(key, ctx.signal);
    try {
      return await this.#sync(key, await addFinalizer(this.#deps.client, contactSyncResource, cached, ContactDataFinalizer, ctx.signal), pass.signal, ctx);
    } catch (error) {
      // Deleted mid-import: the queued deletion pass removes what this one stored.
      if (pass.signal.aborted && !ctx.signal.aborted) return {};
      throw error;
    } finally {
      pass.done();
    }
  }

  async #sync(key: string, obj: ContactSync, signal: AbortSignal, ctx: ReconcileContext): Promise<Result> {
    const { statusWriter, store } = this.#deps;
    const sync = obj.metadata.uid ?? key;
    this.#uids.set(key, sync);

    // Observe: the spec, the tenant, the credentials and the directory token.
    const observed = await this.#observe(obj);
    if ('blocked' in observed) {
      await summarizeStatus(statusWriter, contactSyncResource, obj, reportBlocked(observed.blocked), { signal, answer: 'unread' });
      if (observed.blocked.kind === 'failed') this.#deps.events.warning(obj, 'ContactSyncBlocked', observed.blocked.message);
      return observed.blocked.kind === 'failed' && !observed.blocked.retrying ? {} : { requeueAfter: BLOCKED_RETRY_MS };
    }
    const { spec, tokens, graph, clientId, selection } = observed;
    this.#deps.access.set(key, { sync, tokens });
    const refreshMs = parseDuration(spec.refreshInterval);
    if (spec.suspend) {
      await summarizeStatus(statusWriter, contactSyncResource, obj, reportSuspended(), { signal, answer: 'unread' });
      return { requeueAfter: refreshMs };
    }

    // Observe: the sources, through the Graph port, into the store (each finished round is kept at once).
    const storeWasEmpty = !store.has(sync);
    if (storeWasEmpty) await summarizeStatus(statusWriter, contactSyncResource, obj, reportFullReadRunning('initial'), { signal, answer: 'unread' });
    let read;
    try {
      read = await readSources(graph, store, sync, selection, signal);
    } catch (error) {
      if (signal.aborted) throw error;
      const detail = error instanceof Error ? error.message : 'unknown error';
      await summarizeStatus(
        statusWriter,
        contactSyncResource,
        obj,
        reportBlocked({ kind: 'failed', reason: CommonReason.GraphUnavailable, message: `Reading contacts failed: ${detail}; retrying`, retrying: true }),
        { signal, answer: 'unread' },
      );
      throw error;
    }
    for (const [mode, count] of Object.entries(read.rounds)) if (count > 0) this.#deps.metrics?.rounds.inc({ sync: key, mode }, count);

    // Plan and apply: the de-duplicated directory, published as a diff. A refresh that read nothing new reuses the
    // last plan: rebuilding 50,000 entries to find no change would cost more than the Graph reads did.
    const revision = store.recordsRevision(sync);
    const rules = `${spec.defaultRegion}|${spec.contactsWithoutPhone}`;
    const cached = this.#plans.get(key);
    const reuse = cached !== undefined && cached.revision === revision && cached.rules === rules && !storeWasEmpty;
    let plan: PlanCounts;
    let published: PublishResult;
    if (reuse) {
      plan = cached.plan;
      published = { added: 0, updated: 0, removed: 0, token: store.head(sync) };
    } else {
      const built = planDirectory(store.records(sync), spec);
      published = store.publish(sync, built.entries);
      plan = planCounts(built);
    }
    this.#plans.set(key, { revision, rules, plan });
    const changed = published.added + published.updated + published.removed;
    this.#count(key, published, plan.published, read.unreadable.length);
    if (read.resynced.length > 0)
      this.#deps.events.normal(obj, 'DeltaTokenExpired', `Graph expired ${String(read.resynced.length)} delta tokens; those sources were read in full`);

    // Report.
    const summary = reportPass({
      previous: obj.status,
      read,
      plan,
      changed,
      token: published.token,
      storeWasEmpty,
      mailboxesSelected: selection.mailboxes.length,
      clientId,
      now: new Date(),
    });
    await summarizeStatus(statusWriter, contactSyncResource, obj, summary, { signal, answer: 'unread' });
    ctx.log.debug({ published: plan.published, changed, unreadable: read.unreadable.length }, 'Contact sync applied');
    return { requeueAfter: read.throttledForMs === undefined ? refreshMs : Math.max(1000, Math.min(refreshMs, read.throttledForMs)) };
  }

  async #observe(
    obj: ContactSync,
  ): Promise<
    { blocked: Blocked } | { spec: ContactSyncSpec; tokens: readonly Redacted[]; graph: ContactsGraph; clientId: string; selection: SourceSelection }
  > {
    const namespace = obj.metadata.namespace ?? '';
    const validated = validateContactSync(obj);
    if (!validated.ok) {
      return {
        blocked: { kind: 'failed', reason: CommonReason.InvalidSpec, message: `Invalid spec: ${validated.errors.slice(0, 3).join('; ')}`, retrying: false },
      };
    }
    const spec = validated.value.spec;
    const tenant = this.#deps.tenants.getByName(namespace, spec.tenantRef.name);
    if (tenant === undefined) {
      const message = `TeamsTenant ${spec.tenantRef.name} does not exist in namespace ${namespace}`;
      return { blocked: { kind: 'failed', reason: CommonReason.TenantNotFound, message, retrying: false } };
    }
    const tenantKey = `${namespace}/${spec.tenantRef.name}`;
    let graph;
    try {
      const { credentials, version } = await resolveTenantCredentials(tenant, this.#deps);
      graph = this.#deps.graph(tenantKey, { tenantId: tenant.spec.tenantId, cloud: tenant.spec.cloud, credentials, version });
    } catch (error) {
      if (!(error instanceof CredentialsUnavailableError) && !(error instanceof TypeError)) throw error;
      const detail = error instanceof CredentialsUnavailableError ? error.message : 'its spec cannot be read';
      return {
        blocked: {
          kind: 'progressing',
          reason: CommonReason.TenantNotReady,
          message: `TeamsTenant ${spec.tenantRef.name} has no usable credentials: ${detail}`,
        },
      };
    }
    const tokens = await this.#directoryTokens(obj, spec);
    return {
      spec: tenant.spec.suspend ? { ...spec, suspend: true } : spec,
      tokens,
      graph: graph.port,
      clientId: graph.clientId,
      selection: this.#selection(spec, tenantKey),
    };
  }

  #selection(spec: ContactSyncSpec, tenantKey: string): SourceSelection {
    const personal = spec.sources.personalContacts;
    const mailboxes = new Set<string>();
    for (const user of personal?.users ?? []) mailboxes.add(user.toLowerCase());
    if (personal?.fromMappings === true) {
      for (const mapping of this.#deps.mappings.byIndex(BY_TENANT_INDEX, tenantKey)) {
        const teamsUser = mapping.spec.teamsUser;
        const id = teamsUser?.userPrincipalName ?? teamsUser?.objectId;
        if (id !== undefined) mailboxes.add(id.toLowerCase());
      }
    }
    return {
      directory: spec.sources.directory,
      mailboxes: [...mailboxes].sort(),
      ...(personal?.folders === undefined ? {} : { folders: personal.folders.map((f) => f.toLowerCase()) }),
    };
  }

  /** The directory endpoint's token, only from a Secret labelled for PBX tokens (anything else is not read). */
  async #directoryTokens(obj: ContactSync, spec: ContactSyncSpec): Promise<readonly Redacted[]> {
    const ref = spec.pbxDirectory?.tokenSecretRef;
    if (ref === undefined) return [];
    const secret = await this.#deps.getSecret(obj.metadata.namespace ?? '', ref.name);
    if (secret === undefined || secret.metadata?.labels?.[SecretPurposeLabel] !== SecretPurpose.PbxToken) {
      this.#deps.events.warning(
        obj,
        'DirectoryTokenUnavailable',
        `Secret ${ref.name} does not exist or is not labelled ${SecretPurposeLabel}=${SecretPurpose.PbxToken}; the directory endpoint refuses every reader`,
      );
      return [];
    }
    const encoded = secret.data?.[ref.key];
    const value = encoded === undefined ? '' : Buffer.from(encoded, 'base64').toString('utf8').trim();
    return value === '' ? [] : [Redacted.of(value)];
  }

  async #delete(key: string, obj: ContactSync, signal: AbortSignal): Promise<void> {
    if (!hasFinalizer(obj, ContactDataFinalizer)) {
      this.#forget(key);
      return;
    }
    await summarizeStatus(this.#deps.statusWriter, contactSyncResource, obj, reportDeleting(), { signal, answer: 'unread' });
    this.#deps.store.drop(obj.metadata.uid ?? key);
    this.#forget(key);
    await removeFinalizer(this.#deps.client, contactSyncResource, obj, ContactDataFinalizer, signal);
  }

  #forget(key: string): void {
    const sync = this.#uids.get(key);
    if (sync !== undefined) this.#deps.store.drop(sync);
    this.#uids.delete(key);
    this.#plans.delete(key);
    this.#deps.access.remove(key);
    this.#deps.metrics?.published.remove({ sync: key });
    this.#deps.metrics?.unreadableMailboxes.remove({ sync: key });
  }

  #count(key: string, published: { added: number; updated: number; removed: number }, entries: number, unreadable: number): void {
    const metrics = this.#deps.metrics;
    if (metrics === undefined) return;
    for (const op of ['added', 'updated', 'removed'] as const) if (published[op] > 0) metrics.changes.inc({ sync: key, op }, published[op]);
    metrics.published.set({ sync: key }, entries);
    metrics.unreadableMailboxes.set({ sync: key }, unreadable);
  }
}

/** Passes a changed reconcile-requested-at annotation (an admin's "sync now"). */
export function reconcileRequested(before: ContactSync | undefined, after: ContactSync): boolean {
  return before?.metadata.annotations?.[ReconcileRequestedAtAnnotation] !== after.metadata.annotations?.[ReconcileRequestedAtAnnotation];
}
