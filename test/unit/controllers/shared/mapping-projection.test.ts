import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  isProjectedMapping,
  mappingForStatusWrite,
  projectMappingForCache,
  SummarizedConditionTypes,
  WriteOnlyMappingFields,
} from '../../../../controllers/shared/mapping-projection.ts';
import { UserLicenseMappingResource, type CachedMapping } from '../../../../controllers/shared/resources.ts';
import { affectedMappings, isReady } from '../../../../controllers/teamstenant/drift.ts';
import { countMappingConditions } from '../../../../controllers/teamstenant/report.ts';
import { judgedByRead } from '../../../../controllers/teamstenant/teams-refresh.ts';
import { conflictClaim, licenseClaim } from '../../../../controllers/userlicensemapping/mapping-view.ts';
import { followedUserId } from '../../../../controllers/userlicensemapping/observe.ts';
import { belongsInHistory } from '../../../../controllers/userlicensemapping/outcome.ts';
import { appliedFromStatus } from '../../../../controllers/userlicensemapping/ownership.ts';
import { intentFromStatus, operationFromStatus, type MappingSummary } from '../../../../controllers/userlicensemapping/report.ts';
import type { UserLicenseMappingStatus } from '../../../../pkg/apis/teamssync/v1alpha1/index.ts';
import { applyMergePatch } from '../../../../pkg/runtime/merge-patch.ts';
import { StatusWriter, summarizeConditions, summarizeStatus, type ConditionInput, type KubeClient } from '../../../../pkg/runtime/index.ts';

const NOW = new Date('2026-12-03T12:00:00Z');
const T0 = '2026-12-03T11:00:00Z';
const USER = '0a1b2c3d-0000-4000-8000-000000000001';
const NUMBER = '+12000100001';
const UPN = 'user1@tenant1.onmicrosoft.com';

const ready = (): readonly ConditionInput[] =>
  summarizeConditions({ ready: { reason: 'Configured', message: `Teams user ${UPN} has ${NUMBER} with enterprise voice and 2 policies` } });
const waiting = (): readonly ConditionInput[] =>
  summarizeConditions({
    ready: { reason: 'Configured', message: 'x' },
    syncNeeded: { reason: 'WaitingForLicense', message: 'All 2 integration licences are in use; 1 mapping waits' },
  });
const failing = (): readonly ConditionInput[] =>
  summarizeConditions({
    ready: { reason: 'Configured', message: 'x' },
    failed: { reason: 'ConsentMissing', message: `Could not assign number ${NUMBER}: consent` },
  });

function conditionsOf(inputs: readonly ConditionInput[]): NonNullable<UserLicenseMappingStatus['conditions']> {
  return inputs.map((c) => ({ ...c, observedGeneration: 1, lastTransitionTime: T0 }));
}

function mapping(status: UserLicenseMappingStatus | undefined, extension?: string): CachedMapping {
  return {
    apiVersion: 'teamssync.io/v1alpha1',
    kind: 'UserLicenseMapping',
    metadata: {
      name: 'm-1',
      namespace: 'fleet-1',
      uid: 'u-1',
      resourceVersion: '7',
      generation: 1,
      creationTimestamp: T0,
      finalizers: ['teamssync.io/teams-cleanup'],
    },
    spec: {
      tenantRef: { name: 'tenant' },
      pbxUser: { displayName: 'PBX 1', phoneNumber: NUMBER, voicemail: 'Voicemail', ...(extension === undefined ? {} : { extension }) },
      teamsUser: { userPrincipalName: UPN },
      suspend: false,
    },
    ...(status === undefined ? {} : { status }),
  };
}

const applied = {
  number: { telephoneNumber: NUMBER, userId: USER, numberType: 'directRouting' as const },
  policies: [{ userId: USER, policyType: 'OnlineVoiceRoutingPolicy', policyName: 'PBX-VRP' }],
  appliedAt: T0,
  confirmedAt: T0,
};
const teams = { assignedNumber: NUMBER, enterpriseVoiceEnabled: true, voiceRoutingPolicy: 'PBX-VRP', callingPolicy: 'AllowCalling' };

const cases: { name: string; obj: CachedMapping }[] = [
  {
    name: 'Ready (a fleet mapping)',
    obj: mapping({
      observedGeneration: 1,
      conditions: conditionsOf(ready()),
      teamsUserId: USER,
      teamsUserPrincipalName: UPN,
      eligibility: 'Eligible',
      licenseState: 'Holding',
      teams,
      propagation: { appliedTime: T0, confirmedTime: T0, lastCheckTime: T0 },
      applied,
      pendingChanges: 0,
      lastSyncTime: T0,
      lastSyncRun: 'sync-1',
    }),
  },
  {
    name: 'Ready with an extension note and a handled reconcile request',
    obj: mapping(
      {
        observedGeneration: 1,
        conditions: conditionsOf(ready()),
        teamsUserId: USER,
        licenseState: 'Holding',
        teams,
        applied,
        extensionNote: 'Extension 7777 is kept in the PBX only',
        lastHandledReconcileAt: T0,
      },
      '7777',
    ),
  },
  {
    name: 'waiting for a licence, changes pending',
    obj: mapping({
      observedGeneration: 1,
      conditions: conditionsOf(waiting()),
      eligibility: 'Eligible',
      licenseState: 'Waiting',
      licenseQueuePosition: 1,
      applied: { policies: [] },
      pendingChanges: 2,
      pendingActions: ['assign number +12000100001', 'grant OnlineVoiceRoutingPolicy PBX-VRP'],
    }),
  },
  {
    name: 'failing, an operation and recorded writes in flight, and a condition of another writer',
    obj: mapping({
      observedGeneration: 1,
      conditions: [...conditionsOf(failing()), { type: 'Audited', status: 'True', reason: 'Seen', message: 'kept whole', lastTransitionTime: T0 }],
      teamsUserId: USER,
      licenseState: 'Holding',
      applied: { policies: [] },
      operation: { id: 'op-1', action: 'AssignNumber', telephoneNumber: NUMBER, userId: USER, startedAt: T0 },
      intent: { startedAt: T0, writes: [{ action: 'AssignNumber', telephoneNumber: NUMBER, userId: USER }] },
      pendingChanges: 1,
      pendingActions: ['assign number +12000100001'],
    }),
  },
  { name: 'new (no status)', obj: mapping(undefined) },
];

test('projectMappingForCache: no write-only fields, no summarised messages; everything else and what every reader derives is unchanged', () => {
  for (const { name, obj } of cases) {
    const before = structuredClone(obj);
    const cached = projectMappingForCache(obj);
    assert.deepEqual(obj, before, `${name}: the object from the apiserver is not changed`);
    assert.deepEqual(cached.metadata, obj.metadata, name);
    assert.deepEqual(cached.spec, obj.spec, name);
    const status = (cached.status ?? {}) as Record<string, unknown>;
    const whole = (obj.status ?? {}) as Record<string, unknown>;
    for (const field of WriteOnlyMappingFields) assert.equal(status[field], undefined, `${name}: ${field}`);
    for (const [key, value] of Object.entries(whole)) {
      if (key === 'conditions' || (WriteOnlyMappingFields as readonly string[]).includes(key)) continue;
      assert.deepEqual(status[key], value, `${name}: status.${key} kept`);
    }
    const conditions = cached.status?.conditions ?? [];
    assert.deepEqual(
      conditions.map((c) => ({ ...c, message: SummarizedConditionTypes.includes(c.type) ? '' : c.message })),
      conditions,
      `${name}: summarised messages are ''`,
    );
    assert.deepEqual(
      conditions.map(({ message: _m, ...c }) => c),
      (obj.status?.conditions ?? []).map(({ message: _m, ...c }) => c),
      `${name}: conditions otherwise kept`,
    );
    assert.equal(isProjectedMapping(cached), obj.status !== undefined, name);
    assert.equal(
      JSON.stringify(cached.status),
      JSON.stringify(cached.status === undefined ? undefined : JSON.parse(JSON.stringify(cached.status))),
      'digests are not JSON',
    );
    // Readers: the licence and conflict view, the mapping's own records, the tenant's counts, drift and teams refresh, history.
    assert.deepEqual(licenseClaim(cached), licenseClaim(obj), `${name}: licence claim`);
    assert.deepEqual(conflictClaim(cached), conflictClaim(obj), `${name}: conflict claim`);
    assert.deepEqual(appliedFromStatus(cached.status), appliedFromStatus(obj.status), name);
    assert.deepEqual(intentFromStatus(cached.status), intentFromStatus(obj.status), name);
    assert.deepEqual(operationFromStatus(cached.status), operationFromStatus(obj.status), name);
    assert.equal(followedUserId(cached), followedUserId(obj), name);
    assert.deepEqual(countMappingConditions([cached.status?.conditions]), countMappingConditions([obj.status?.conditions]), name);
    assert.equal(isReady(cached), isReady(obj), name);
    const changes = { users: new Set([USER]), numbers: new Set([NUMBER]) };
    assert.equal(affectedMappings([cached], changes).length, affectedMappings([obj], changes).length, name);
    assert.equal(judgedByRead([cached], Date.parse(NOW.toISOString())).length, judgedByRead([obj], Date.parse(NOW.toISOString())).length, name);
    const pass = { outcome: { attempted: true, results: [] }, report: { verdict: { reason: 'ConsentMissing' } } };
    assert.equal(belongsInHistory(cached, pass, 0), belongsInHistory(obj, pass, 0), name);
  }
});

/** The status patch summarizeStatus sends for `summary` over `obj` (undefined: no request). */
async function patchOf(obj: CachedMapping, summary: MappingSummary): Promise<unknown> {
  let sent: unknown;
  const client = {
    patch: async (_ref: unknown, _ns: string, _name: string, body: { status?: unknown }) => {
      sent = body.status;
      return obj;
    },
    get: async () => obj,
  } as unknown as KubeClient;
  await summarizeStatus(new StatusWriter(client), UserLicenseMappingResource, obj, summary, { ifCurrent: true, now: NOW });
  return sent;
}

/** The same object with its keys in the reverse order (the apiserver sorts them; the report does not). */
function reversed<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).reverse()) as T;
}

/** Summaries a pass may write over each case: the status as it is, display fields changed or removed, messages changed, conditions only. */
function summariesFor(obj: CachedMapping): { name: string; summary: MappingSummary }[] {
  const s = obj.status ?? {};
  const same = Object.fromEntries(WriteOnlyMappingFields.map((f) => [f, s[f]]));
  const inputs = (s.conditions ?? []).filter((c) => SummarizedConditionTypes.includes(c.type));
  const current: readonly ConditionInput[] =
    inputs.length === 3 ? inputs.map(({ type, status, reason, message }) => ({ type, status, reason, message })) : ready();
  return [
    { name: 'unchanged', summary: { fields: { ...same }, conditions: current } },
    { name: 'unchanged, teams in another key order', summary: { fields: { ...same, ...(s.teams ? { teams: reversed(s.teams) } : {}) }, conditions: current } },
    { name: 'teams changed', summary: { fields: { ...same, teams: { ...teams, voiceRoutingPolicy: 'Other' } }, conditions: current } },
    { name: 'display fields removed', summary: { fields: Object.fromEntries(WriteOnlyMappingFields.map((f) => [f, undefined])), conditions: current } },
    {
      name: 'now Ready',
      summary: { fields: { ...same, eligibility: 'Eligible', pendingActions: undefined, licenseQueuePosition: undefined }, conditions: ready() },
    },
    { name: 'now failing', summary: { fields: { ...same }, conditions: failing() } },
    {
      name: 'a message changed, nothing else',
      summary: { fields: { ...same }, conditions: current.map((c) => (c.type === 'Ready' ? { ...c, message: `${c.message} (renamed)` } : c)) },
    },
    { name: 'conditions only (observe failed)', summary: { fields: {}, conditions: failing() } },
    { name: 'conditions as they are, another field', summary: { fields: { lastHandledReconcileAt: 'later' }, conditions: current } },
    { name: 'nothing named', summary: { fields: {}, conditions: [] } },
  ];
}

test('mappingForStatusWrite: a write from the projected cache sends a patch exactly when the whole object would, with the same result', async () => {
  for (const { name, obj } of cases) {
    const cached = projectMappingForCache(obj);
    for (const { name: change, summary } of summariesFor(obj)) {
      const label = `${name}, ${change}`;
      const fromWhole = await patchOf(obj, summary);
      const fromCache = await patchOf(mappingForStatusWrite(cached, summary), summary);
      assert.equal(fromCache === undefined, fromWhole === undefined, `${label}: a request exactly when one is needed`);
      assert.deepEqual(applyMergePatch(obj.status ?? {}, fromCache), applyMergePatch(obj.status ?? {}, fromWhole), `${label}: the same status results`);
    }
  }
});

test('mappingForStatusWrite: a whole object is written as it is; a summary naming some summarised conditions and not others is refused', () => {
  const whole = cases[0]!.obj;
  assert.equal(mappingForStatusWrite(whole, { fields: {}, conditions: ready() }), whole);
  const cached = projectMappingForCache(whole);
  assert.throws(() => mappingForStatusWrite(cached, { fields: {}, conditions: ready().slice(0, 2) }), /names 2 of the 3 summarised conditions/);
});

test('projectMappingForCache: equal condition lists and finalizers are one frozen copy; a different list is its own', () => {
  const fleetMapping = (): CachedMapping => structuredClone(cases[0]?.obj) as CachedMapping;
  const [first, second] = [projectMappingForCache(fleetMapping()), projectMappingForCache(fleetMapping())];
  const laterFailure = fleetMapping();
  const failed = laterFailure.status?.conditions?.find((c) => c.type === 'Failed');
  assert.ok(failed !== undefined);
  failed.lastTransitionTime = '2026-12-03T11:00:01Z';
  const other = projectMappingForCache(laterFailure);
  assert.equal(first.status?.conditions, second.status?.conditions, 'one conditions list for both');
  assert.equal(first.metadata.finalizers, second.metadata.finalizers, 'one finalizers list for both');
  assert.notEqual(first.status?.conditions, other.status?.conditions, 'a list that differs in one time is its own');
  const ready = (m: CachedMapping): unknown => m.status?.conditions?.find((c) => c.type === 'Ready');
  assert.equal(ready(first), ready(other), 'the conditions it shares are one copy still');
  for (const shared of [first.status?.conditions, ready(first), first.metadata.finalizers]) assert.ok(Object.isFrozen(shared));
  const frozen = ready(first) as { reason: string };
  assert.throws(() => (frozen.reason = 'Changed'), TypeError, 'a reader that writes throws, not changes every holder');
});

test('projectMappingForCache: the object given is neither changed nor frozen by the sharing', () => {
  for (const { name, obj } of cases) {
    const given = structuredClone(obj);
    projectMappingForCache(given);
    assert.deepEqual(given, obj, name);
    assert.ok(!Object.isFrozen(given.metadata.finalizers) && !given.status?.conditions?.some((c) => Object.isFrozen(c)), name);
  }
});
