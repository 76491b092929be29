/**
 * The UserLicenseMapping reconcile with a fake Graph port (an in-memory Microsoft 365 of one
 * tenant), an in-memory cache and a fake apiserver for patches: which port calls a pass makes, in
 * which order against the crash-safety record, and what status it writes. Every row runs twice: over a cache of
 * whole objects and over the daemon's projected cache (projectMappingForCache), which must write the same.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MappingCleanupFinalizer, type UserLicenseMappingStatus } from '../../../../pkg/apis/teamssync/v1alpha1/index.ts';
import { ConsentRequiredError, type NumberAssignment, type TeamsUserConfiguration, type User } from '../../../../pkg/graph/index.ts';
import { silentLogger, StatusWriter, Store, type EventRecorder, type KubeClient, type ReconcileContext } from '../../../../pkg/runtime/index.ts';
import { projectMappingForCache } from '../../../../controllers/shared/mapping-projection.ts';
import type { CachedMapping, CachedTenant } from '../../../../controllers/shared/resources.ts';
import type { TenantContext } from '../../../../controllers/shared/tenant-context.ts';
import type { MappingGraphPort } from '../../../../controllers/userlicensemapping/graph-port.ts';
import { UserLicenseMappingReconciler } from '../../../../controllers/userlicensemapping/reconciler.ts';

const ALICE = '11111111-1111-4111-8111-111111111111';
const NUMBER = '+14255550100';
const MCOEV = '4828c8ec-dc2e-4779-b502-87ac9ce28ab7';
const UPN = 'alice@contoso.com';
const alice: User = { id: ALICE, userPrincipalName: UPN, accountEnabled: true, assignedPlans: [{ servicePlanId: MCOEV, capabilityStatus: 'Enabled' }] };

const tenant: CachedTenant = {
  apiVersion: 'teamssync.io/v1alpha1',
  kind: 'TeamsTenant',
  metadata: { name: 'contoso', namespace: 'acme', generation: 1, resourceVersion: '1' },
  spec: {
    tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
    cloud: 'Global',
    credentials: { clientId: '535fb089-9ff3-47b6-9bfb-4f1264799865', clientSecret: { name: 'app', key: 'clientSecret' } },
    syncMode: 'Auto',
    integrationLicenses: 10,
    globalAdmin: { userPrincipalName: 'sarah@contoso.com' },
    driftCheckInterval: '15m',
    syncHistoryLimit: 10,
    suspend: false,
    policies: { voiceRoutingPolicy: 'PBX-VRP' },
  },
};

function mappingObject(): CachedMapping {
  return {
    apiVersion: 'teamssync.io/v1alpha1',
    kind: 'UserLicenseMapping',
    metadata: {
      name: 'alice',
      namespace: 'acme',
      generation: 1,
      resourceVersion: '1',
      finalizers: [MappingCleanupFinalizer],
      creationTimestamp: '2026-01-01T00:00:00Z',
    },
    spec: {
      tenantRef: { name: 'contoso' },
      suspend: false,
      pbxUser: { displayName: 'Alice', phoneNumber: NUMBER, voicemail: 'Voicemail' },
      teamsUser: { userPrincipalName: 'alice@contoso.com' },
    },
  };
}

/** Microsoft 365 of one tenant, behind the port. `refuse` makes every write fail as consent missing. */
class FakeMicrosoft365 {
  readonly calls: string[] = [];
  readonly numbers = new Map<string, NumberAssignment>();
  readonly configurations = new Map<string, TeamsUserConfiguration>([[ALICE, configuration([], false, [])]]);
  refuse = false;
  /** Number operations keep running (the port answers `running`) until `finish()`. */
  slowOperations = false;
  #pending: (() => void) | undefined;

  finish(): void {
    this.#pending?.();
    this.#pending = undefined;
  }

  port(): MappingGraphPort {
    return {
      readUser: async (key) => {
        this.calls.push('readUser');
        return key === UPN || key === ALICE ? alice : undefined;
      },
      readConfiguration: async (userId) => {
        this.calls.push('readConfiguration');
        return this.configurations.get(userId);
      },
      readNumber: async (number) => {
        this.calls.push('readNumber');
        return this.numbers.get(number);
      },
      write: async (action, onAccepted) => {
        this.calls.push(`write ${action.kind}`);
        if (this.refuse)
          throw new ConsentRequiredError('Admin consent does not cover TeamsTelephoneNumber.ReadWrite.All', {
            permission: 'TeamsTelephoneNumber.ReadWrite.All',
          });
        const current = this.configurations.get(ALICE) ?? configuration([], false, []);
        if (action.kind === 'AssignNumber' || action.kind === 'EnableEnterpriseVoice') {
          await onAccepted('op-1');
          const land = (): void => {
            this.numbers.set(action.number, {
              id: action.number,
              telephoneNumber: action.number,
              numberType: 'directRouting',
              activationState: 'activated',
              assignmentStatus: 'userAssigned',
              assignmentTargetId: action.userId,
            });
            const now = this.configurations.get(ALICE) ?? configuration([], false, []);
            this.configurations.set(ALICE, configuration([action.number], true, now.effectivePolicyAssignments ?? []));
          };
          if (this.slowOperations) {
            this.#pending = land;
            return { state: 'running' };
          }
          land();
        }
        if (action.kind === 'AssignPolicy') {
          const policies = [
            ...(current.effectivePolicyAssignments ?? []),
            { policyType: action.policyType, policyAssignment: { displayName: action.policyName, assignmentType: 'Direct', policyId: 'p-1' } },
          ];
          this.configurations.set(
            ALICE,
            configuration(
              (current.telephoneNumbers ?? []).map((n) => n.telephoneNumber),
              current.isEnterpriseVoiceEnabled === true,
              policies,
            ),
          );
        }
        return { state: 'succeeded' };
      },
      resume: async () => {
        this.calls.push('resume');
        return { state: this.#pending === undefined ? 'succeeded' : 'running' };
      },
    };
  }
}

function configuration(numbers: string[], voice: boolean, policies: TeamsUserConfiguration['effectivePolicyAssignments'] & object): TeamsUserConfiguration {
  return {
    id: ALICE,
    tenantId: tenant.spec.tenantId,
    userPrincipalName: UPN,
    accountType: 'user',
    createdDateTime: '',
    modifiedDateTime: '',
    isEnterpriseVoiceEnabled: voice,
    telephoneNumbers: numbers.map((telephoneNumber) => ({ telephoneNumber, assignmentCategory: 'primary' })),
    effectivePolicyAssignments: policies,
  };
}

/** RFC 7386 merge patch, as the apiserver applies it. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> =
    typeof target === 'object' && target !== null && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [key, value] of Object.entries(patch)) out[key] = value === null ? undefined : mergePatch(out[key], value);
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined));
}

/**
 * The reconciler over the fakes; the apiserver's patches land in the cache at once (an informer with no lag), projected
 * as the daemon's informer projects them when `projected`.
 */
function world(projected = false) {
  const m365 = new FakeMicrosoft365();
  const mappings = new Store<CachedMapping>();
  const tenants = new Store<CachedTenant>();
  const server = new Map<string, CachedMapping>();
  const store = (m: CachedMapping): void => {
    server.set(`${m.metadata.namespace ?? ''}/${m.metadata.name}`, m);
    mappings.upsert(projected ? projectMappingForCache(m) : m);
  };
  store(mappingObject());
  tenants.upsert(tenant);
  const patches: { status?: Partial<UserLicenseMappingStatus> }[] = [];
  const events: string[] = [];
  const kube = {
    async patch(_ref: unknown, namespace: string, name: string, body: Record<string, unknown>) {
      patches.push(body);
      const current = server.get(`${namespace}/${name}`);
      if (current === undefined) throw new Error('not found');
      const { metadata, ...rest } = body as { metadata?: { finalizers?: string[] } };
      const next = mergePatch(current, rest) as CachedMapping;
      const finalizers = metadata?.finalizers === undefined ? {} : { finalizers: metadata.finalizers };
      next.metadata = { ...current.metadata, ...finalizers, resourceVersion: String(Number(current.metadata.resourceVersion) + 1) };
      store(next);
      return next;
    },
    async get(_ref: unknown, namespace: string, name: string) {
      return server.get(`${namespace}/${name}`);
    },
  } as unknown as KubeClient;
  const context = {
    discovered: true,
    directory: undefined,
    touch: () => undefined,
    user: () => ({ hit: false }),
    configuration: () => ({ hit: false }),
    numberAssignment: () => ({ hit: false }),
  } as unknown as TenantContext;
  const reconciler = new UserLicenseMappingReconciler({
    mappings,
    tenants,
    view: { gateFor: () => ({ license: { state: 'held' }, conflicts: [] }) },
    contexts: { getOrResolve: async () => context },
    client: kube,
    statusWriter: new StatusWriter(kube),
    events: {
      normal: (_o: unknown, reason: string) => void events.push(`Normal ${reason}`),
      warning: (_o: unknown, reason: string) => void events.push(`Warning ${reason}`),
    } as unknown as EventRecorder,
    graphPort: () => m365.port(),
  });
  const ctx: ReconcileContext = { signal: new AbortController().signal, log: silentLogger(), reconcileId: 'r', controller: 'userlicensemapping' };
  return {
    m365,
    /** One reconcile; what it did. */
    async pass() {
      m365.calls.length = 0;
      patches.length = 0;
      events.length = 0;
      let error: string | undefined;
      let requeueAfter: number | undefined;
      try {
        requeueAfter = (await reconciler.reconcile({ namespace: 'acme', name: 'alice' }, ctx))?.requeueAfter;
      } catch (e) {
        error = e instanceof Error ? e.message : String(e);
      }
      const status = server.get('acme/alice')?.status ?? {};
      const conditions = Object.fromEntries((status.conditions ?? []).map((c) => [c.type, `${c.status} ${c.reason}`]));
      return {
        calls: [...m365.calls],
        patches: patches.map((p) =>
          Object.keys(p.status ?? {})
            .sort()
            .join(','),
        ),
        events: [...events],
        status,
        conditions,
        error,
        requeueAfter,
      };
    },
  };
}

type Pass = Awaited<ReturnType<ReturnType<typeof world>['pass']>>;

const rows: { name: string; setup?: (w: ReturnType<typeof world>) => Promise<void> | void; check: (p: Pass) => void }[] = [
  {
    name: 'a new mapping: the writes are recorded on status first, the operation id before it is polled, then the number and the policy are applied',
    check: (p) => {
      assert.deepEqual(p.calls, ['readUser', 'readConfiguration', 'readNumber', 'write AssignNumber', 'write AssignPolicy']);
      assert.deepEqual(p.patches, [
        'intent',
        'operation',
        'applied,conditions,eligibility,intent,lastSyncTime,licenseState,observedGeneration,operation,pendingChanges,propagation,teams,teamsUserId,teamsUserPrincipalName',
      ]);
      assert.equal(p.status.intent, undefined, 'a pass that ended in a known state clears the record');
      assert.equal(p.status.operation, undefined);
      assert.equal(p.status.applied?.number?.telephoneNumber, NUMBER);
      assert.deepEqual(p.conditions, { Ready: 'False PropagationPending', SyncNeeded: 'True PropagationPending', Failed: 'False NoError' });
      assert.deepEqual(p.events, ['Normal AssignedPhoneNumber', 'Normal GrantedPolicy']);
    },
  },
  {
    name: 'the next pass reads Microsoft 365 back: Ready, confirmed, and the propagation check is stamped',
    setup: async (w) => {
      await w.pass();
    },
    check: (p) => {
      assert.deepEqual(p.calls, ['readUser', 'readConfiguration'], 'the configuration lists the number: no numberAssignment read, nothing written');
      assert.deepEqual(p.conditions, { Ready: 'True Configured', SyncNeeded: 'False UpToDate', Failed: 'False NoError' });
      const { propagation } = p.status;
      assert.ok(propagation?.confirmedTime !== undefined);
      assert.equal(propagation.lastCheckTime, propagation.confirmedTime, 'the check that saw it confirmed');
    },
  },
  {
    name: 'steady state: nothing is written to Microsoft 365 or to the apiserver',
    setup: async (w) => {
      await w.pass();
      await w.pass();
    },
    check: (p) => {
      assert.deepEqual(p.calls, ['readUser', 'readConfiguration']);
      assert.deepEqual(p.patches, []);
      assert.deepEqual(p.events, []);
      assert.equal(p.conditions.Ready, 'True Configured');
    },
  },
  {
    name: 'a write Graph refuses: Failed=True with the reason, and a Warning',
    setup: (w) => void (w.m365.refuse = true),
    check: (p) => {
      assert.deepEqual(p.calls, ['readUser', 'readConfiguration', 'readNumber', 'write AssignNumber']);
      assert.deepEqual(p.conditions, { Ready: 'False ConsentMissing', SyncNeeded: 'False ConsentMissing', Failed: 'True ConsentMissing' });
      assert.match(
        p.status.conditions?.find((c) => c.type === 'Failed')?.message ?? '',
        /^Could not assign number \+14255550100 to alice@contoso\.com: .*admin consent/,
      );
      assert.deepEqual(p.events, ['Warning CannotAssignPhoneNumber']);
      assert.equal(p.status.applied, undefined, 'nothing is owned');
      assert.equal(p.error, undefined, 'a person must act: re-checked later, not retried with backoff');
    },
  },
  {
    name: 'a number operation Microsoft 365 is still running: the pass ends once it is persisted (the policy granted meanwhile), no worker waits for it',
    setup: (w) => void (w.m365.slowOperations = true),
    check: (p) => {
      assert.deepEqual(p.calls, ['readUser', 'readConfiguration', 'readNumber', 'write AssignNumber', 'write AssignPolicy'], 'never polled in this pass');
      assert.deepEqual(p.patches, [
        'intent',
        'operation',
        'applied,conditions,eligibility,intent,lastSyncTime,licenseState,observedGeneration,pendingChanges,propagation,teams,teamsUserId,teamsUserPrincipalName',
      ]);
      assert.equal(p.status.operation?.id, 'op-1', 'kept until it is seen to end (R4)');
      assert.ok(p.status.operation?.startedAt !== undefined, 'the poll schedule is measured from it');
      assert.deepEqual(
        p.status.applied?.policies.map((x) => x.policyName),
        ['PBX-VRP'],
      );
      assert.equal(p.status.applied?.number, undefined);
      assert.deepEqual(p.conditions, { Ready: 'False Progressing', SyncNeeded: 'True Progressing', Failed: 'False NoError' });
      assert.deepEqual(p.events, ['Normal GrantedPolicy']);
      assert.equal(p.requeueAfter, 2_000, 'looked at when due');
    },
  },
  {
    name: 'the operation still running when due: one look, nothing else read, nothing written',
    setup: async (w) => {
      w.m365.slowOperations = true;
      await w.pass();
    },
    check: (p) => {
      assert.deepEqual(p.calls, ['resume']);
      assert.deepEqual(p.patches, [], 'the conditions say what the first pass said');
      assert.deepEqual(p.events, []);
      assert.equal(p.error, undefined);
      assert.ok(p.requeueAfter !== undefined && p.requeueAfter >= 1_000 && p.requeueAfter <= 10_000);
    },
  },
  {
    name: 'the operation done when looked at: the same pass reads Microsoft 365 after it and is Ready (one status write)',
    setup: async (w) => {
      w.m365.slowOperations = true;
      await w.pass();
      await w.pass();
      w.m365.finish();
    },
    check: (p) => {
      assert.deepEqual(p.calls, ['resume', 'readUser', 'readConfiguration'], 'the confirmation read is the only read');
      assert.equal(p.patches.length, 1);
      assert.equal(p.status.operation, undefined);
      assert.equal(p.status.applied?.number?.telephoneNumber, NUMBER);
      assert.deepEqual(p.conditions, { Ready: 'True Configured', SyncNeeded: 'False UpToDate', Failed: 'False NoError' });
      assert.deepEqual(p.events, ['Normal AssignedPhoneNumber']);
      assert.equal(p.requeueAfter, undefined);
    },
  },
];

for (const row of rows) {
  for (const projected of [false, true]) {
    test(`reconcile${projected ? ' (projected cache)' : ''}: ${row.name}`, async () => {
      const w = world(projected);
      await row.setup?.(w);
      row.check(await w.pass());
    });
  }
}
