/**
 * The PresenceSync reconcile, table-driven, with a fake Graph port: the caches, Secrets and status writes are in
 * memory; the runner (poller, call sessions) is the real one over the fake port. Every row settles (a pass, the first
 * poll cycle when the object polls, another pass), then checks the port calls, the conditions and that one more pass
 * writes nothing.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiVersion, SecretPurpose, SecretPurposeLabel, type PresenceSyncStatus } from '../../../../pkg/apis/teamssync/v1alpha1/index.ts';
import { ThrottledError, TransientError, type DeltaTokenStore } from '../../../../pkg/graph/index.ts';
import type { TeamsPresence } from '../../../../pkg/presence/types.ts';
import { PresenceStreamLog } from '../../../../pkg/presence/stream-log.ts';
import { applyMergePatch, silentLogger, StatusWriter, Store, type KubeClient, type ReconcileContext, type Result } from '../../../../pkg/runtime/index.ts';
import type { PresenceGraph, UserDeltaResult } from '../../../../controllers/presencesync/graph-port.ts';
import { MAX_REQUEUE_MS, PresenceSyncReconciler } from '../../../../controllers/presencesync/reconciler.ts';
import { PresenceRunnerRegistry } from '../../../../controllers/presencesync/registry.ts';
import { BY_TENANT_INDEX, type PresenceSync } from '../../../../controllers/presencesync/resources.ts';
import { tenantKeyOf, type CachedMapping, type CachedTenant } from '../../../../controllers/shared/resources.ts';
import { ServiceAccountTokens } from '../../../../controllers/shared/service-account-tokens.ts';
import type { Secret } from '../../../../pkg/runtime/index.ts';
import { TenantUserCache } from '../../../../controllers/presencesync/user-cache.ts';

const NS = 'team-a';
const KEY = `${NS}/presence`;

/** What the fake port answers; an Error is thrown instead. */
interface PortScript {
  readonly users?: UserDeltaResult | Error;
  readonly presences?: readonly TeamsPresence[] | Error;
}

/** A fake Microsoft 365 that records every call as `method(args)`. */
function fakePort(script: PortScript): PresenceGraph & { readonly calls: string[] } {
  const calls: string[] = [];
  const answer = <T>(value: T | Error): Promise<T> => (value instanceof Error ? Promise.reject(value) : Promise.resolve(value));
  return {
    calls,
    appId: 'app-id',
    readUserDelta(_links: DeltaTokenStore, key: string) {
      calls.push(`readUserDelta(${key})`);
      return answer(
        script.users ?? {
          full: true,
          upserts: [
            { id: 'id-1', userPrincipalName: 'user1@contoso.com' },
            { id: 'id-2', userPrincipalName: 'user2@contoso.com' },
          ],
          removedIds: [],
        },
      );
    },
    getPresencesByUserId(ids) {
      calls.push(`getPresencesByUserId(${ids.join(',')})`);
      return answer(script.presences ?? ids.map((id) => ({ id, availability: 'Available', activity: 'Available' })));
    },
    setPresence(teamsUserId) {
      calls.push(`setPresence(${teamsUserId})`);
      return Promise.resolve();
    },
    clearPresence(teamsUserId) {
      calls.push(`clearPresence(${teamsUserId})`);
      return Promise.resolve();
    },
  };
}

const secrets: Record<string, Secret> = {
  'graph-app': { metadata: { resourceVersion: '1' }, data: { clientSecret: Buffer.from('s3cret').toString('base64') } },
  'pbx-token': { metadata: { labels: { [SecretPurposeLabel]: SecretPurpose.PbxToken } }, data: { token: Buffer.from('pbx').toString('base64') } },
};

function tenant(suspend = false): CachedTenant {
  return {
    apiVersion: ApiVersion,
    kind: 'TeamsTenant',
    metadata: { namespace: NS, name: 'contoso', generation: 1 },
    spec: {
      tenantId: '00000000-0000-0000-0000-000000000001',
      cloud: 'Global',
      suspend,
      credentials: { clientId: 'app-id', clientSecret: { name: 'graph-app', key: 'clientSecret' } },
    },
  } as unknown as CachedTenant;
}

function presenceSync(spec: Record<string, unknown> = {}): PresenceSync {
  return {
    apiVersion: ApiVersion,
    kind: 'PresenceSync',
    metadata: { namespace: NS, name: 'presence', generation: 3, resourceVersion: '1' },
    spec: {
      tenantRef: { name: 'contoso' },
      pollInterval: '5m', // one poll cycle per row: the next is minutes away
      users: { fromMappings: false, pbxUsers: [{ email: 'user1@contoso.com' }, { email: 'user2@contoso.com' }] },
      pbxEvents: { tokenSecretRef: { name: 'pbx-token', key: 'token' } },
      ...spec,
    },
  } as unknown as PresenceSync;
}

/** The reconciler over in-memory caches, a fake apiserver for status patches and the fake port. */
function rig(objects: { tenant?: CachedTenant; presenceSync: PresenceSync }, port: PresenceGraph) {
  const presenceSyncs = new Store<PresenceSync>();
  presenceSyncs.addIndex(BY_TENANT_INDEX, tenantKeyOf);
  const mappings = new Store<CachedMapping>();
  mappings.addIndex(BY_TENANT_INDEX, tenantKeyOf);
  const tenants = new Store<CachedTenant>();
  if (objects.tenant !== undefined) tenants.upsert(objects.tenant);
  presenceSyncs.upsert(objects.presenceSync);
  let statusPatches = 0;
  function patch(_ref: unknown, namespace: string, name: string, body: { status: unknown }) {
    statusPatches++;
    const current = presenceSyncs.getByName(namespace, name);
    if (current === undefined) return Promise.reject(new Error('no such object'));
    const resourceVersion = String(Number(current.metadata.resourceVersion) + 1);
    const written = {
      ...current,
      metadata: { ...current.metadata, resourceVersion },
      status: applyMergePatch(current.status ?? {}, body.status) as PresenceSyncStatus,
    };
    presenceSyncs.upsert(written);
    return Promise.resolve(written);
  }
  const apiserver = {
    patch,
    // The reconciler does not read the object written (StatusWriter.updateUnread).
    patchUnread: (ref: unknown, namespace: string, name: string, body: { status: unknown }) => patch(ref, namespace, name, body).then(() => undefined),
  } as unknown as KubeClient;
  const events: string[] = [];
  let cycles = 0;
  const registry = new PresenceRunnerRegistry();
  const log = PresenceStreamLog.open(':memory:');
  const reconciler = new PresenceSyncReconciler({
    presenceSyncs,
    tenants,
    mappings,
    getSecret: (_namespace, name) => Promise.resolve(secrets[name]),
    // Unused: the tenant authenticates with a client secret.
    serviceAccountTokens: new ServiceAccountTokens(() => Promise.reject(new Error('no workload identity here'))),
    graph: () => port,
    users: new TenantUserCache(),
    registry,
    runnerDeps: { log },
    statusWriter: new StatusWriter(apiserver),
    events: {
      normal: () => undefined,
      warning: (_obj, reason) => {
        events.push(reason);
      },
    },
    // Enqueued after a cycle that changed what status shows: the first one here.
    enqueue: () => {
      cycles++;
    },
  });
  const ctx: ReconcileContext = { signal: new AbortController().signal, log: silentLogger(), reconcileId: 'r', controller: 'presencesync' };
  return {
    registry,
    tenants,
    async stop() {
      await registry.stopAll();
      log.close();
    },
    events,
    statusPatches: () => statusPatches,
    cycles: () => cycles,
    status: () => presenceSyncs.getByName(NS, 'presence')?.status ?? {},
    reconcile: (): Promise<Result> => reconciler.reconcile({ namespace: NS, name: 'presence' }, ctx),
  };
}

/** Polls `done` until it holds (generous deadline: a condition, never a fixed sleep). */
async function until(what: string, done: () => boolean): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

interface Row {
  readonly name: string;
  readonly tenant?: CachedTenant | undefined;
  readonly spec?: Record<string, unknown>;
  readonly port?: PortScript;
  /** Whether a runner polls, so the row waits for its first cycle before the settling pass. */
  readonly polls: boolean;
  /** Distinct port calls, in order of the first (the users list is cached for minutes; a failed read is retried). */
  readonly calls: readonly string[];
  /** Ready, SyncNeeded, Failed as `status/reason`. */
  readonly conditions: readonly [string, string, string];
  readonly status?: Partial<PresenceSyncStatus>;
  readonly requeue: Result;
  readonly events?: readonly string[];
}

const rows: readonly Row[] = [
  {
    name: 'a new PresenceSync polls its matched users, reads only, and reports them',
    tenant: tenant(),
    polls: true,
    calls: ['readUserDelta(users)', 'getPresencesByUserId(id-1,id-2)'],
    conditions: ['True/Active', 'False/UpToDate', 'False/NoError'],
    status: { usersTracked: 2, usersUnmatched: 0, effectivePollInterval: '5m', graphCallsPerCycle: 1, observedGeneration: 3 },
    requeue: { requeueAfter: MAX_REQUEUE_MS },
  },
  {
    name: 'PBX → Teams only: nothing is polled; call sessions wait for PBX events (no write until one comes)',
    tenant: tenant(),
    spec: { direction: 'PbxToTeams' },
    polls: false,
    calls: ['readUserDelta(users)'],
    conditions: ['True/Active', 'False/UpToDate', 'False/NoError'],
    status: { usersTracked: 2 },
    requeue: { requeueAfter: MAX_REQUEUE_MS },
  },
  {
    name: 'a suspended tenant suspends its PresenceSyncs: no presence reads',
    tenant: tenant(true),
    polls: false,
    calls: ['readUserDelta(users)'],
    conditions: ['False/Suspended', 'False/Suspended', 'False/NoError'],
    requeue: { requeueAfter: MAX_REQUEUE_MS },
  },
  {
    name: 'presence reads failing: Failed with the reason, retried by the next cycle',
    tenant: tenant(),
    port: { presences: new TransientError('Graph answered 503', { status: 503 }) },
    polls: true,
    calls: ['readUserDelta(users)', 'getPresencesByUserId(id-1,id-2)'],
    conditions: ['False/GraphUnavailable', 'True/GraphUnavailable', 'True/GraphUnavailable'],
    requeue: { requeueAfter: MAX_REQUEUE_MS },
  },
  {
    name: 'the users list failing: Failed with the reason, nothing runs, retried',
    tenant: tenant(),
    port: { users: new TransientError('Graph answered 503', { status: 503 }) },
    polls: false,
    calls: ['readUserDelta(users)'],
    conditions: ['False/GraphUnavailable', 'True/GraphUnavailable', 'True/GraphUnavailable'],
    requeue: { requeueAfter: MAX_REQUEUE_MS },
    events: ['PresenceSyncBlocked'],
  },
  {
    name: 'the users list throttled: not a failure, waiting',
    tenant: tenant(),
    port: { users: new ThrottledError('Graph answered 429', { status: 429, retryAfterMs: 1000 }) },
    polls: false,
    calls: ['readUserDelta(users)'],
    conditions: ['False/Throttled', 'True/Throttled', 'False/NoError'],
    requeue: { requeueAfter: MAX_REQUEUE_MS },
  },
  {
    name: 'no such tenant: Failed until the user acts, no Graph call, no requeue',
    polls: false,
    calls: [],
    conditions: ['False/TenantNotFound', 'False/UpToDate', 'True/TenantNotFound'],
    requeue: {},
    events: ['PresenceSyncBlocked'],
  },
];

for (const row of rows) {
  test(`reconcile: ${row.name}`, async () => {
    const port = fakePort(row.port ?? {});
    const r = rig({ ...(row.tenant === undefined ? {} : { tenant: row.tenant }), presenceSync: presenceSync(row.spec) }, port);
    try {
      await r.reconcile();
      if (row.polls) await until('the first poll cycle', () => r.cycles() > 0);
      const result = await r.reconcile();
      assert.deepEqual(result, row.requeue);
      // A settled object's next pass writes nothing, neither to its status nor to Microsoft 365.
      const patches = r.statusPatches();
      const callsBefore = port.calls.filter((call) => !call.startsWith('readUserDelta')).length;
      await r.reconcile();
      assert.equal(r.statusPatches(), patches, 'no status write when nothing changed');
      assert.equal(port.calls.filter((call) => !call.startsWith('readUserDelta')).length, callsBefore, 'no Graph call from a steady pass');

      assert.deepEqual([...new Set(port.calls)], row.calls, 'the port calls, each once (a failed users read is retried)');
      const status = r.status();
      const conditions = ['Ready', 'SyncNeeded', 'Failed']
        .map((type) => status.conditions?.find((c) => c.type === type))
        .map((c) => `${c?.status ?? 'absent'}/${c?.reason ?? ''}`);
      assert.deepEqual(conditions, row.conditions);
      assert.ok(status.conditions?.every((c) => c.observedGeneration === 3));
      for (const [field, want] of Object.entries(row.status ?? {})) assert.deepEqual(status[field as keyof PresenceSyncStatus], want, field);
      assert.deepEqual([...new Set(r.events)], row.events ?? []);
    } finally {
      await r.stop();
    }
  });
}

test('reconcile: a PresenceSync that stops running loses the figures of its earlier run', async () => {
  const port = fakePort({});
  const obj = presenceSync({ direction: 'PbxToTeams' });
  const r = rig({ tenant: tenant(), presenceSync: obj }, port);
  try {
    await r.reconcile();
    assert.equal(r.status().usersTracked, 2);
    assert.notEqual(r.registry.get(KEY), undefined, 'runs');
    // The tenant goes: the runner stops, and only the conditions are left.
    r.tenants.delete(`${NS}/contoso`);
    await r.reconcile();
    assert.equal(r.registry.get(KEY), undefined);
    assert.deepEqual(Object.keys(r.status()).sort(), ['conditions', 'observedGeneration']);
  } finally {
    await r.stop();
  }
});
