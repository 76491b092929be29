/**
 * The TeamsTenant reconcile with a fake Microsoft 365 port, in-memory caches and a fake apiserver
 * for status patches: which port calls a pass makes, what status it writes, which Events it records.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TenantCleanupFinalizer, type TeamsTenantStatus } from '../../../../pkg/apis/teamssync/v1alpha1/index.ts';
import { AuthFailedError, MemoryDeltaTokenStore, type GraphTenantClient, type User } from '../../../../pkg/graph/index.ts';
import { applyMergePatch, silentLogger, StatusWriter, Store, type KubeClient, type ReconcileContext } from '../../../../pkg/runtime/index.ts';
import { DirectorySnapshot } from '../../../../controllers/shared/directory-snapshot.ts';
import { allocateLicenses } from '../../../../controllers/shared/license-allocation.ts';
import type { CachedTenant } from '../../../../controllers/shared/resources.ts';
import { TeamsSnapshot } from '../../../../controllers/shared/teams-snapshot.ts';
import { TenantContext } from '../../../../controllers/shared/tenant-context.ts';
import { CredentialsUnavailableError } from '../../../../controllers/shared/tenant-credentials.ts';
import type { TenantGraphPort } from '../../../../controllers/teamstenant/ports.ts';
import { TeamsTenantReconciler } from '../../../../controllers/teamstenant/reconciler.ts';

const TENANT_ID = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const MCOEV = '4828c8ec-dc2e-4779-b502-87ac9ce28ab7';
const sarah: User = {
  id: '9ed3a0c4-53e1-498c-ab4d-2473476fde14',
  userPrincipalName: 'sarah@contoso.com',
  accountEnabled: true,
  assignedPlans: [{ servicePlanId: MCOEV, capabilityStatus: 'Enabled' }],
};

function tenantObject(spec: Partial<CachedTenant['spec']> = {}): CachedTenant {
  return {
    apiVersion: 'teamssync.io/v1alpha1',
    kind: 'TeamsTenant',
    metadata: { name: 'contoso', namespace: 'acme', generation: 1, resourceVersion: '1', finalizers: [TenantCleanupFinalizer] },
    spec: {
      tenantId: TENANT_ID,
      cloud: 'Global',
      credentials: { clientId: '535fb089-9ff3-47b6-9bfb-4f1264799865', clientSecret: { name: 'app', key: 'clientSecret' } },
      syncMode: 'Auto',
      integrationLicenses: 10,
      globalAdmin: { userPrincipalName: 'sarah@contoso.com' },
      driftCheckInterval: '15m',
      syncHistoryLimit: 10,
      suspend: false,
      ...spec,
    },
  };
}

/** How the fake port answers. */
type PortBehaviour = 'healthy' | 'refused';

const pages = async function* <T>(list: T[]): AsyncGenerator<T> {
  await Promise.resolve();
  yield* list;
};

/** Fixed tenant data behind the snapshots: one Teams Phone user, no Teams voice configuration yet. */
const data = {
  users: { usersDelta: () => pages([{ mode: 'initial', upserts: [sarah], removed: [] }]) },
  userConfigurations: { listUserConfigurations: () => pages([]) },
  numbers: { listNumberAssignments: () => pages([]) },
} as unknown as GraphTenantClient;

/**
 * A fake port over real snapshots: reads fill them from the fixed data (so the snapshots' own
 * bookkeeping runs), or every read fails as Entra ID refusing the client secret.
 */
function fakePort(context: TenantContext, behaviour: PortBehaviour, calls: string[]): TenantGraphPort {
  const refused = (): never => {
    throw new AuthFailedError('The client secret of app 535fb089 was rejected: store the current value', { reason: 'InvalidSecret', aadsts: 7000215 });
  };
  return {
    readCatalog: () => Promise.resolve(void calls.push('readCatalog')),
    readDirectory: async () => {
      calls.push('readDirectory');
      return behaviour === 'refused' ? refused() : context.directory.refresh(data);
    },
    readTeams: async () => {
      calls.push('readTeams');
      return behaviour === 'refused' ? refused() : context.teams.refresh(data);
    },
    sendMail: (_sender, mail) => Promise.resolve(void calls.push(`sendMail ${mail.message.internetMessageHeaders[0]?.value ?? ''}`)),
  };
}

/** The reconciler over one tenant, the fake port and a fake apiserver. */
function rig(tenant: CachedTenant, behaviour: PortBehaviour | 'noCredentials') {
  const tenants = new Store<CachedTenant>();
  tenants.upsert(tenant);
  const calls: string[] = [];
  const events: string[] = [];
  let patches = 0;
  const apiserver = {
    patch(_ref: unknown, namespace: string, name: string, body: { status: unknown }) {
      patches++;
      const current = tenants.getByName(namespace, name);
      if (current === undefined) return Promise.reject(new Error('no such object'));
      const resourceVersion = String(Number(current.metadata.resourceVersion) + 1);
      const written = {
        ...current,
        metadata: { ...current.metadata, resourceVersion },
        status: applyMergePatch(current.status ?? {}, body.status) as TeamsTenantStatus,
      };
      tenants.upsert(written);
      return Promise.resolve(written);
    },
  } as unknown as KubeClient;
  const context = new TenantContext({
    key: 'acme/contoso',
    tenantId: TENANT_ID,
    client: data,
    credentialsVersion: '1',
    directory: new DirectorySnapshot(new MemoryDeltaTokenStore(), 'users'),
    teams: new TeamsSnapshot({ maxAgeMs: 30 * 60_000 }),
  });
  const reconciler = new TeamsTenantReconciler({
    tenants,
    runs: { byIndex: () => [] },
    view: { mappingsOf: () => [], allocation: () => allocateLicenses(10, []) },
    contexts: {
      resolve: () =>
        behaviour === 'noCredentials'
          ? Promise.reject(new CredentialsUnavailableError('CredentialsNotFound', 'Secret acme/app does not exist'))
          : Promise.resolve(context),
      forget: () => undefined,
    },
    client: apiserver,
    statusWriter: new StatusWriter(apiserver),
    events: { normal: (_obj, reason) => void events.push(`Normal ${reason}`), warning: (_obj, reason) => void events.push(`Warning ${reason}`) },
    enqueueMappings: () => undefined,
    graphPort: (c) => fakePort(c, behaviour === 'noCredentials' ? 'healthy' : behaviour, calls),
  });
  const ctx: ReconcileContext = { signal: new AbortController().signal, log: silentLogger(), reconcileId: 'r', controller: 'teamstenant' };
  return {
    /** One pass; what it called, wrote and recorded. */
    async pass() {
      calls.length = 0;
      events.length = 0;
      patches = 0;
      await reconciler.reconcile({ namespace: 'acme', name: 'contoso' }, ctx);
      const status = tenants.getByName('acme', 'contoso')?.status;
      const conditions = Object.fromEntries((status?.conditions ?? []).map((c) => [c.type, `${c.status}/${c.reason}`]));
      return { calls: [...calls], events: [...events], patches, status, conditions };
    },
  };
}

const synced = { Ready: 'True/Synced', SyncNeeded: 'False/UpToDate', Failed: 'False/NoError' };

const cases: {
  name: string;
  tenant: CachedTenant;
  port: PortBehaviour | 'noCredentials';
  passes: number;
  want: { calls: string[]; patches: number; conditions: Record<string, string>; events: string[]; status?: Partial<TeamsTenantStatus> };
  reason: string;
}[] = [
  {
    name: 'FirstPass',
    tenant: tenantObject(),
    port: 'healthy',
    passes: 1,
    want: {
      calls: ['readCatalog', 'readDirectory', 'readTeams'],
      patches: 1,
      conditions: synced,
      events: ['Normal Synced'],
      status: { eligibleUsers: 1, globalAdminObjectId: sarah.id, mappings: 0 },
    },
    reason: 'every read is due on the first pass; one status write, one Event',
  },
  {
    name: 'SteadyState',
    tenant: tenantObject(),
    port: 'healthy',
    passes: 2,
    want: { calls: [], patches: 0, conditions: synced, events: [] },
    reason: 'nothing due, nothing changed: no Graph call, no status write, no Event',
  },
  {
    name: 'ActivationNotice',
    tenant: tenantObject({ notifications: { enabled: true, senderMailbox: 'noreply@contoso.com', reminderInterval: '24h' } }),
    port: 'healthy',
    passes: 1,
    want: {
      calls: ['readCatalog', 'readDirectory', 'readTeams', 'sendMail Activation'],
      patches: 2,
      conditions: synced,
      events: ['Normal Synced', 'Normal SentNotice'],
      status: { notifications: { lastNotifiedLicenses: 10, lastNotifiedGlobalAdmin: 'sarah@contoso.com' } },
    },
    reason: 'the notice is recorded in status before it is sent, then the ledger replaces the record',
  },
  {
    name: 'GraphRefusesCredentials',
    tenant: tenantObject(),
    port: 'refused',
    passes: 1,
    want: {
      calls: ['readCatalog', 'readDirectory'],
      patches: 1,
      conditions: { Ready: 'False/AuthenticationFailed', SyncNeeded: 'False/UpToDate', Failed: 'True/AuthenticationFailed' },
      events: ['Warning AuthenticationFailed'],
      status: { authentication: { mode: 'ClientSecret', lastErrorCode: 'AADSTS7000215' } },
    },
    reason: 'a Graph failure is a Failed condition with its reason and the AADSTS code, not an error of the pass',
  },
  {
    name: 'CredentialsMissing',
    tenant: tenantObject(),
    port: 'noCredentials',
    passes: 1,
    want: {
      calls: [],
      patches: 1,
      conditions: { Ready: 'False/CredentialsNotFound', SyncNeeded: 'False/UpToDate', Failed: 'True/CredentialsNotFound' },
      events: ['Warning CredentialsNotFound'],
    },
    reason: 'no Secret, no Graph call',
  },
];

for (const tc of cases) {
  test(`TeamsTenant reconcile: ${tc.name}`, async () => {
    const r = rig(tc.tenant, tc.port);
    let got = await r.pass();
    for (let i = 1; i < tc.passes; i++) got = await r.pass();
    assert.deepEqual(got.calls, tc.want.calls, tc.reason);
    assert.equal(got.patches, tc.want.patches, tc.reason);
    assert.deepEqual(got.conditions, tc.want.conditions, tc.reason);
    assert.deepEqual(got.events, tc.want.events, tc.reason);
    for (const [field, value] of Object.entries(tc.want.status ?? {}))
      assert.deepEqual(got.status?.[field as keyof TeamsTenantStatus], value, `status.${field}`);
    const failed = got.status?.conditions?.find((c) => c.type === 'Failed');
    if (failed?.status === 'False') assert.equal(failed.message, 'The last attempt did not fail');
  });
}
