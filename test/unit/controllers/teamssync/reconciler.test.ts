/**
 * The TeamsSync reconciler with fake ports: a fake Graph port (clients and the role check), a fake
 * mapping port, and a fake apiserver under the real StatusWriter. Each row is one pass over one run.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MappingSyncOutcome, RunGraph, SyncMappingPort } from '../../../../controllers/teamssync/ports.ts';
import { TeamsSyncReconciler, type Cache } from '../../../../controllers/teamssync/reconciler.ts';
import {
  DelegatedTokenLabel,
  SYNC_BY_TENANT_INDEX,
  secretResource,
  teamsSyncResource,
  tenantKeyOf,
  type TeamsSync,
  type TeamsTenant,
  type UserLicenseMapping,
} from '../../../../controllers/teamssync/resources.ts';
import type { TeamsSyncStatus } from '../../../../pkg/apis/teamssync/v1alpha1/index.ts';
import { AuthFailedError, type GraphTenantClient } from '../../../../pkg/graph/index.ts';
import { ApiError, applyMergePatch, silentLogger, StatusWriter, type KubeClient, type KubeObject, type ResourceRef } from '../../../../pkg/runtime/index.ts';
import { Store } from '../../../../pkg/runtime/store.ts';

const now = new Date('2025-03-01T12:00:00Z');
const TENANT_ID = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const SARAH = 'sarah@contoso.com';
const ns = 'acme';

/** A fake apiserver: get, status patch (with resourceVersion preconditions) and delete. */
type Stored = KubeObject & { metadata: { name: string; resourceVersion?: string }; status?: object };

class FakeApiserver {
  readonly objects = new Map<string, Stored>();
  statusWrites = 0;
  readonly deleted: string[] = [];

  put(ref: ResourceRef, obj: KubeObject): void {
    const name = obj.metadata?.name ?? '';
    this.objects.set(`${ref.plural}/${name}`, structuredClone({ ...obj, metadata: { ...obj.metadata, name, resourceVersion: '1' } }));
  }

  async get<T extends KubeObject>(ref: ResourceRef, _namespace: string, name: string): Promise<T> {
    const obj = this.objects.get(`${ref.plural}/${name}`);
    if (obj === undefined) throw new ApiError(404, 'GET', `${ref.plural}/${name}`);
    return Promise.resolve(structuredClone(obj) as T);
  }

  async patch<T extends KubeObject>(
    ref: ResourceRef,
    _namespace: string,
    name: string,
    body: { metadata?: { resourceVersion?: string }; status: unknown },
  ): Promise<T> {
    const obj = this.objects.get(`${ref.plural}/${name}`);
    if (obj === undefined) throw new ApiError(404, 'PATCH', `${ref.plural}/${name}`);
    if (body.metadata?.resourceVersion !== undefined && body.metadata.resourceVersion !== obj.metadata.resourceVersion) throw new ApiError(409, 'PATCH', name);
    obj.status = applyMergePatch(obj.status ?? {}, body.status) as object;
    obj.metadata.resourceVersion = String(Number(obj.metadata.resourceVersion ?? '0') + 1);
    this.statusWrites += 1;
    return Promise.resolve(structuredClone(obj) as T);
  }

  async delete(ref: ResourceRef, _namespace: string, name: string): Promise<unknown> {
    if (!this.objects.delete(`${ref.plural}/${name}`)) throw new ApiError(404, 'DELETE', name);
    this.deleted.push(`${ref.plural}/${name}`);
    return Promise.resolve({});
  }
}

const jwt = (payload: object): string => `e30.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.c2ln`;

const tenantOf = (spec: Partial<TeamsTenant['spec']>): TeamsTenant =>
  ({
    apiVersion: 'teamssync.io/v1alpha1',
    kind: 'TeamsTenant',
    metadata: { name: 'contoso', namespace: ns },
    spec: { tenantId: TENANT_ID, cloud: 'Global', syncMode: 'Auto', suspend: false, credentials: { clientId: 'app-1' }, ...spec },
  }) as TeamsTenant;

const runOf = (name: string, over: { status?: TeamsSyncStatus; token?: boolean; dryRun?: boolean; minute?: number } = {}): TeamsSync => ({
  apiVersion: 'teamssync.io/v1alpha1',
  kind: 'TeamsSync',
  metadata: {
    name,
    namespace: ns,
    uid: `uid-${name}`,
    generation: 1,
    creationTimestamp: new Date(now.getTime() - 60_000 * (10 - (over.minute ?? 0))).toISOString(),
  },
  spec: {
    tenantRef: { name: 'contoso' },
    trigger: 'Manual',
    dryRun: over.dryRun ?? false,
    diagnostic: false,
    scope: { type: 'All' },
    ...(over.token === true ? { delegatedTokenSecretRef: { name: `${name}-token`, key: 'token' } } : {}),
  },
  ...(over.status === undefined ? {} : { status: over.status }),
});

const mapping = (name: string): UserLicenseMapping => ({
  apiVersion: 'teamssync.io/v1alpha1',
  kind: 'UserLicenseMapping',
  metadata: { name, namespace: ns },
  spec: {
    tenantRef: { name: 'contoso' },
    pbxUser: { displayName: name, phoneNumber: '+14255550100', voicemail: 'Voicemail' },
    teamsUser: { userPrincipalName: `${name}@contoso.com` },
    suspend: false,
  },
});

const cache = <T extends TeamsSync | TeamsTenant | UserLicenseMapping>(items: readonly T[]): Cache<T> => {
  const store = new Store<T>();
  store.addIndex(SYNC_BY_TENANT_INDEX, tenantKeyOf);
  for (const item of items) store.upsert(item);
  return { store };
};

interface Row {
  readonly name: string;
  readonly tenant: Partial<TeamsTenant['spec']>;
  readonly run: TeamsSync;
  /** Other runs of the tenant in the cache. */
  readonly others?: readonly TeamsSync[];
  readonly roleCheck?: boolean | Error;
  readonly outcomes?: Readonly<Record<string, MappingSyncOutcome | Error>>;
  readonly want: {
    readonly phase: string | undefined;
    readonly conditions?: string;
    readonly graph: readonly string[];
    readonly mappings: readonly string[];
    readonly events: readonly string[];
    readonly statusWrites?: number;
    readonly tokenDeleted?: boolean;
    readonly requeue?: boolean;
  };
  readonly why: string;
}

const done: TeamsSyncStatus = {
  phase: 'Succeeded',
  startTime: '2025-03-01T11:00:00.000Z',
  completionTime: '2025-03-01T11:01:00.000Z',
  counts: { created: 0, updated: 0, removed: 0, failed: 0, unchanged: 0 },
};

const rows: Row[] = [
  {
    name: 'SteadyStateFinished',
    tenant: {},
    run: runOf('r1', { status: done }),
    want: { phase: 'Succeeded', graph: [], mappings: [], events: [], statusWrites: 0 },
    why: 'a finished run is history: no Graph call, no mapping, no write',
  },
  {
    name: 'AppCredentialsApply',
    tenant: {},
    run: runOf('r1'),
    outcomes: { a: { action: 'Create', user: 'a@contoso.com', detail: 'assign number' }, b: { action: 'None' } },
    want: {
      phase: 'Succeeded',
      conditions: 'Ready=True/Succeeded SyncNeeded=False/UpToDate Failed=False/NoError',
      graph: ['app'],
      mappings: ['a:apply', 'b:apply'],
      events: ['Normal/SyncStarted', 'Normal/SyncSucceeded'],
    },
    why: 'an Auto-mode tenant runs with its app credentials and walks every mapping',
  },
  {
    name: 'DryRunWithoutSignIn',
    tenant: { syncMode: 'Manual', globalAdmin: { userPrincipalName: SARAH } },
    run: runOf('r1', { dryRun: true }),
    outcomes: { a: { action: 'Create' } },
    want: { phase: 'Succeeded', graph: ['app'], mappings: ['a:dryRun', 'b:dryRun'], events: ['Normal/SyncStarted', 'Normal/SyncSucceeded'] },
    why: 'a dry run needs no sign-in and asks the mapping port to write nothing',
  },
  {
    name: 'GlobalAdminApply',
    tenant: { syncMode: 'Manual', globalAdmin: { userPrincipalName: SARAH } },
    run: runOf('r1', { token: true }),
    roleCheck: true,
    want: {
      phase: 'Succeeded',
      graph: ['delegated', 'isGlobalAdministrator', 'release'],
      mappings: ['a:apply', 'b:apply'],
      events: ['Normal/SyncStarted', 'Normal/SyncSucceeded'],
      tokenDeleted: true,
    },
    why: "a Manual run writes with the Global Admin's sign-in, closes that client, and deletes the token once finished",
  },
  {
    name: 'GraphRefusesSignIn',
    tenant: { syncMode: 'Manual', globalAdmin: { userPrincipalName: SARAH } },
    run: runOf('r1', { token: true }),
    roleCheck: new AuthFailedError('token revoked', { reason: 'InvalidGrant' } as never),
    want: {
      phase: 'Refused',
      conditions: 'Ready=False/TokenInvalid SyncNeeded=False/UpToDate Failed=True/TokenInvalid',
      graph: ['delegated', 'isGlobalAdministrator', 'release'],
      mappings: [],
      events: ['Warning/SyncRefused'],
      tokenDeleted: true,
    },
    why: 'a sign-in Graph does not accept refuses the run before any mapping is touched',
  },
  {
    name: 'SignInStopsMidRun',
    tenant: {},
    run: runOf('r1'),
    outcomes: { a: new AuthFailedError('consent withdrawn', { reason: 'InvalidGrant' } as never) },
    want: {
      phase: 'Failed',
      conditions: 'Ready=False/RunFailed SyncNeeded=False/UpToDate Failed=True/RunFailed',
      graph: ['app'],
      mappings: ['a:apply'],
      events: ['Normal/SyncStarted', 'Warning/SyncFailed'],
    },
    why: 'a Graph failure of the sign-in ends the whole run as Failed, with the reason',
  },
  {
    name: 'WaitsForItsTurn',
    tenant: {},
    run: runOf('r2', { minute: 2 }),
    others: [runOf('r1', { minute: 1, status: { ...done, phase: 'Running' } })],
    want: {
      phase: 'Pending',
      conditions: 'Ready=False/Pending SyncNeeded=True/Pending Failed=False/NoError',
      graph: [],
      mappings: [],
      events: [],
      requeue: true,
    },
    why: 'a tenant runs one sync at a time: the later run says it waits',
  },
];

for (const row of rows) {
  test(`TeamsSync reconcile: ${row.name}`, async () => {
    const api = new FakeApiserver();
    const tenant = tenantOf(row.tenant);
    api.put(teamsSyncResource, row.run);
    for (const other of row.others ?? []) api.put(teamsSyncResource, other);
    const token = jwt({ upn: SARAH, oid: 'o-1', tid: TENANT_ID, exp: now.getTime() / 1000 + 3600, scp: 'User.Read' });
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'r1-token', namespace: ns, labels: { [DelegatedTokenLabel]: 'true' } },
      data: { token: Buffer.from(token).toString('base64') },
    };
    api.put(secretResource, secret);

    const graphCalls: string[] = [];
    const client = {} as unknown as GraphTenantClient;
    const graph: RunGraph = {
      delegatedClient: () => (graphCalls.push('delegated'), { client, release: () => void graphCalls.push('release') }),
      appClient: async () => (graphCalls.push('app'), Promise.resolve({ client, release: () => undefined })),
      isGlobalAdministrator: async () => {
        graphCalls.push('isGlobalAdministrator');
        if (row.roleCheck instanceof Error) throw row.roleCheck;
        return Promise.resolve(row.roleCheck ?? false);
      },
    };
    const mappingCalls: string[] = [];
    const syncMapping: SyncMappingPort = async (m, req) => {
      mappingCalls.push(`${m.metadata.name}:${req.mode}`);
      const outcome = row.outcomes?.[m.metadata.name];
      if (outcome instanceof Error) throw outcome;
      return Promise.resolve(outcome ?? { action: 'None' });
    };
    const events: string[] = [];
    const reconciler = new TeamsSyncReconciler({
      client: api,
      runs: cache([row.run, ...(row.others ?? [])]),
      tenants: cache([tenant]),
      mappings: cache([mapping('b'), mapping('a')]),
      statusWriter: new StatusWriter(api as unknown as KubeClient),
      events: { normal: (_o, reason) => void events.push(`Normal/${reason}`), warning: (_o, reason) => void events.push(`Warning/${reason}`) },
      graph,
      syncMapping,
      flushEveryMs: 60_000,
      now: () => now,
    });
    const writesBefore = api.statusWrites;
    const result = await reconciler.reconcile(
      { namespace: ns, name: row.run.metadata.name },
      { signal: new AbortController().signal, log: silentLogger(), reconcileId: 'test', controller: 'teamssync' },
    );

    const after = await api.get<TeamsSync>(teamsSyncResource, ns, row.run.metadata.name);
    assert.equal(after.status?.phase, row.want.phase, row.why);
    if (row.want.conditions !== undefined) {
      assert.equal(after.status?.conditions?.map((c) => `${c.type}=${c.status}/${c.reason}`).join(' '), row.want.conditions, row.why);
    }
    assert.deepEqual(graphCalls, row.want.graph, row.why);
    assert.deepEqual(mappingCalls, row.want.mappings, row.why);
    assert.deepEqual(events, row.want.events, row.why);
    if (row.want.statusWrites !== undefined) assert.equal(api.statusWrites - writesBefore, row.want.statusWrites, row.why);
    assert.equal(api.deleted.includes('secrets/r1-token'), row.want.tokenDeleted ?? false, 'the token Secret goes once its run ended');
    assert.equal(typeof result === 'object' && result.requeueAfter !== undefined, row.want.requeue ?? false);
    assert.doesNotMatch(JSON.stringify(after.status ?? {}), /eyJ|c2ln/, 'the token never reaches status');
  });
}
