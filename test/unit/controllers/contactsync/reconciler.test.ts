/**
 * The ContactSync reconcile, table-driven, with a fake Graph port: caches, Secrets and patches in memory, the contact
 * store on an in-memory database. Each row runs a pass, checks conditions, status and the finalizer, then runs one
 * more pass and checks that it writes nothing (a quiet status).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DirectoryAccess } from '../../../../controllers/contactsync/directory-access.ts';
import type { ContactsGraph, DeltaRoundResult } from '../../../../controllers/contactsync/graph-port.ts';
import { ImportAborts } from '../../../../controllers/contactsync/import-aborts.ts';
import { ContactSyncReconciler } from '../../../../controllers/contactsync/reconciler.ts';
import { BY_TENANT_INDEX, type ContactSync } from '../../../../controllers/contactsync/resources.ts';
import { tenantKeyOf, type CachedMapping, type CachedTenant } from '../../../../controllers/shared/resources.ts';
import { ServiceAccountTokens } from '../../../../controllers/shared/service-account-tokens.ts';
import { ApiVersion, ContactDataFinalizer, SecretPurpose, SecretPurposeLabel, type ContactSyncStatus } from '../../../../pkg/apis/teamssync/v1alpha1/index.ts';
import { ContactStore, contactStoreMigrations } from '../../../../pkg/contacts/contact-store.ts';
import { ConsentRequiredError, type DeltaTokenStore } from '../../../../pkg/graph/index.ts';
import { applyMergePatch, silentLogger, StatusWriter, Store, type KubeClient, type ReconcileContext, type Secret } from '../../../../pkg/runtime/index.ts';
import { openStateDatabase } from '../../../../pkg/state/database.ts';

const NS = 'team-a';
const KEY = `${NS}/contacts`;

const secrets: Record<string, Secret> = {
  'graph-app': { metadata: { resourceVersion: '1' }, data: { clientSecret: Buffer.from('s3cret').toString('base64') } },
  pbx: { metadata: { labels: { [SecretPurposeLabel]: SecretPurpose.PbxToken } }, data: { token: Buffer.from('pbx').toString('base64') } },
};

const tenant = {
  apiVersion: ApiVersion,
  kind: 'TeamsTenant',
  metadata: { namespace: NS, name: 'contoso', generation: 1 },
  spec: {
    tenantId: '00000000-0000-0000-0000-000000000001',
    cloud: 'Global',
    credentials: { clientId: 'app-id', clientSecret: { name: 'graph-app', key: 'clientSecret' } },
  },
} as unknown as CachedTenant;

function contactSync(spec: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}): ContactSync {
  return {
    apiVersion: ApiVersion,
    kind: 'ContactSync',
    metadata: { namespace: NS, name: 'contacts', uid: 'uid-1', generation: 2, resourceVersion: '1', ...metadata },
    spec: { tenantRef: { name: 'contoso' }, pbxDirectory: { tokenSecretRef: { name: 'pbx', key: 'token' } }, ...spec },
  } as unknown as ContactSync;
}

/** A fake port: one directory user, one mailbox with one contact; `personal` throws instead when set. */
function fakePort(personal?: Error, gate?: Promise<void>): ContactsGraph {
  const round = async <T>(links: DeltaTokenStore, key: string, items: T[]): Promise<DeltaRoundResult<T>> => {
    await gate;
    const seen = links.get(key) !== undefined;
    void links.set(key, 'link');
    return { mode: seen ? 'incremental' : 'initial', upserts: seen ? [] : items, removedIds: [] };
  };
  return {
    directoryRound: (links, key) => round(links, key, [{ id: 'u1', displayName: 'Alex', businessPhones: ['+14255550101'] }]),
    contactFolders: () => (personal === undefined ? Promise.resolve([]) : Promise.reject(personal)),
    folderRound: (_m, _f, links, key) => round(links, key, [{ id: 'c1', displayName: 'Megan', mobilePhone: '+14255550102' }]),
  };
}

function rig(object: ContactSync, port: ContactsGraph, withTenant = true) {
  const contactSyncs = new Store<ContactSync>();
  contactSyncs.addIndex(BY_TENANT_INDEX, tenantKeyOf);
  contactSyncs.upsert(object);
  const tenants = new Store<CachedTenant>();
  if (withTenant) tenants.upsert(tenant);
  const mappings = new Store<CachedMapping>();
  mappings.addIndex(BY_TENANT_INDEX, tenantKeyOf);
  let patches = 0;
  function patch(_ref: unknown, namespace: string, name: string, body: { status?: unknown; metadata?: { finalizers?: string[] } }) {
    patches++;
    const current = contactSyncs.getByName(namespace, name);
    if (current === undefined) return Promise.reject(new Error('no such object'));
    const resourceVersion = String(Number(current.metadata.resourceVersion) + 1);
    const written = {
      ...current,
      metadata: { ...current.metadata, resourceVersion, ...(body.metadata?.finalizers === undefined ? {} : { finalizers: body.metadata.finalizers }) },
      ...(body.status === undefined ? {} : { status: applyMergePatch(current.status ?? {}, body.status) as ContactSyncStatus }),
    };
    contactSyncs.upsert(written);
    return Promise.resolve(written);
  }
  const apiserver = {
    patch,
    // The reconciler does not read the status it writes (StatusWriter.updateUnread).
    patchUnread: (ref: unknown, namespace: string, name: string, body: { status?: unknown; metadata?: { finalizers?: string[] } }) =>
      patch(ref, namespace, name, body).then(() => undefined),
  } as unknown as KubeClient;
  const store = new ContactStore(openStateDatabase(':memory:', contactStoreMigrations));
  const access = new DirectoryAccess();
  const aborts = new ImportAborts();
  const reconciler = new ContactSyncReconciler({
    contactSyncs: contactSyncs,
    tenants,
    mappings,
    client: apiserver,
    getSecret: (_namespace, name) => Promise.resolve(secrets[name]),
    serviceAccountTokens: new ServiceAccountTokens(() => Promise.reject(new Error('no workload identity here'))),
    graph: () => ({ port, clientId: 'app-id' }),
    store,
    access,
    aborts,
    statusWriter: new StatusWriter(apiserver),
    events: { normal: () => undefined, warning: () => undefined },
  });
  const ctx: ReconcileContext = { signal: new AbortController().signal, log: silentLogger(), reconcileId: 'r', controller: 'contactsync' };
  const current = () => contactSyncs.getByName(NS, 'contacts');
  return {
    store,
    access,
    aborts,
    patches: () => patches,
    current,
    condition: (type: string) => {
      const c = current()?.status?.conditions?.find((x) => x.type === type);
      return `${c?.status ?? '-'}/${c?.reason ?? '-'}`;
    },
    reconcile: () => reconciler.reconcile({ namespace: NS, name: 'contacts' }, ctx),
  };
}

interface Row {
  readonly name: string;
  readonly object: ContactSync;
  readonly port?: ContactsGraph;
  readonly withTenant?: boolean;
  readonly conditions: readonly [string, string, string];
  readonly published?: number;
  readonly finalizer: boolean;
  readonly requeue: boolean;
}

const rows: readonly Row[] = [
  {
    name: 'a new ContactSync gets its finalizer, imports the directory and a mailbox, and serves them',
    object: contactSync({ sources: { directory: true, personalContacts: { fromMappings: false, users: ['ada@contoso.com'] } } }),
    conditions: ['True/Synced', 'False/UpToDate', 'False/NoError'],
    published: 2,
    finalizer: true,
    requeue: true,
  },
  {
    name: 'no tenant: Failed TenantNotFound, nothing read, no requeue',
    object: contactSync(),
    withTenant: false,
    conditions: ['False/TenantNotFound', 'False/UpToDate', 'True/TenantNotFound'],
    finalizer: true,
    requeue: false,
  },
  {
    name: 'Contacts.Read not consented: the directory is published, Failed ConsentMissing retries',
    object: contactSync({ sources: { directory: true, personalContacts: { fromMappings: false, users: ['ada@contoso.com'] } } }),
    port: fakePort(new ConsentRequiredError('denied', { status: 403, permission: 'Contacts.Read' })),
    conditions: ['False/ConsentMissing', 'True/ConsentMissing', 'True/ConsentMissing'],
    published: 1,
    finalizer: true,
    requeue: true,
  },
  {
    name: 'suspended: nothing read, the finalizer stays',
    object: contactSync({ suspend: true }),
    conditions: ['False/Suspended', 'False/Suspended', 'False/NoError'],
    finalizer: true,
    requeue: true,
  },
];

for (const row of rows) {
  test(`ContactSyncReconciler: ${row.name}`, async () => {
    const r = rig(row.object, row.port ?? fakePort(), row.withTenant ?? true);
    const result = await r.reconcile();
    assert.deepEqual([r.condition('Ready'), r.condition('SyncNeeded'), r.condition('Failed')], row.conditions);
    assert.equal(r.current()?.status?.contactsPublished, row.published);
    assert.equal(r.current()?.metadata.finalizers?.includes(ContactDataFinalizer) ?? false, row.finalizer);
    assert.equal((result.requeueAfter ?? 0) > 0, row.requeue);
    const patches = r.patches();
    await r.reconcile();
    assert.equal(r.patches(), patches, 'a pass that changed nothing writes nothing');
  });
}

test('ContactSyncReconciler: deleting stops a running import, then removes the data and the finalizer', async () => {
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const r = rig(contactSync({ sources: { directory: true } }), fakePort(undefined, gate));
  const pass = r.reconcile();
  await new Promise((resolve) => setImmediate(resolve));
  r.aborts.abort(KEY);
  release();
  assert.deepEqual(await pass, {}, 'the aborted pass ends quietly');
  assert.equal(r.current()?.status?.contactsPublished, undefined, 'it published nothing');

  const deleting = { ...r.current(), metadata: { ...r.current()?.metadata, deletionTimestamp: '2026-12-03T10:00:00Z' } } as ContactSync;
  r.store.head('uid-1');
  const rig2 = rig(deleting, fakePort());
  rig2.store.publish('uid-1', []);
  assert.equal(rig2.store.has('uid-1'), true);
  await rig2.reconcile();
  assert.equal(rig2.store.has('uid-1'), false, 'its data is gone');
  assert.deepEqual(rig2.current()?.metadata.finalizers ?? [], []);
});
