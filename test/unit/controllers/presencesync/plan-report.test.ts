import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PresenceSyncSpec } from '../../../../pkg/apis/teamssync/v1alpha1/index.ts';
import { planPresenceSync, type PresenceSyncObservation } from '../../../../controllers/presencesync/plan.ts';
import { reportBlocked, reportPresenceSync, type PresenceRuntimeFacts } from '../../../../controllers/presencesync/report.ts';
import type { PresencePollerStats } from '../../../../pkg/presence/presence-poller.ts';

function spec(overrides: Partial<PresenceSyncSpec> = {}): PresenceSyncSpec {
  return {
    tenantRef: { name: 'contoso' },
    direction: 'Bidirectional',
    pollInterval: '10s',
    holdDown: '0s',
    users: { fromMappings: true },
    stream: { retention: '24h' },
    pbxEvents: { tokenSecretRef: { name: 'pbx', key: 'token' }, callSessionLimit: '4h' },
    suspend: false,
    ...overrides,
  };
}

const m365 = Array.from({ length: 10_000 }, (_, i) => ({ id: `id-${i}`, userPrincipalName: `user${i}@contoso.com` }));
const mappingUsers = Array.from({ length: 10_000 }, (_, i) => ({ email: `User${i}@contoso.com`, extension: String(1000 + i) }));

function observe(overrides: Partial<PresenceSyncObservation> = {}): PresenceSyncObservation {
  return { spec: spec(), mappingUsers, m365Users: m365, ...overrides };
}

test('planPresenceSync: 10,000 mapped users → 16 calls per 10 s cycle, write reserve on for Bidirectional', () => {
  const plan = planPresenceSync(observe());
  assert.equal(plan.users.matched.length, 10_000);
  assert.equal(plan.poll.callsPerCycle, 16);
  assert.equal(plan.poll.readBudgetPerWindow, 1200);
  assert.deepEqual([plan.readEnabled, plan.writeEnabled, plan.webhookEnabled], [true, true, false]);
  assert.deepEqual(plan.callSessions, { maxCallDurationMs: 4 * 3_600_000 });
  assert.deepEqual(plan.retention, { maxAgeMs: 24 * 3_600_000 });
});

interface PlanCase {
  readonly name: string;
  readonly observation: PresenceSyncObservation;
  readonly want: { matched: number; unmatched: number; calls: number; readBudget: number; read: boolean; write: boolean };
  readonly reason: string;
}

const planCases: readonly PlanCase[] = [
  {
    name: 'TeamsToPbxUsesWholeBudget',
    observation: observe({ spec: spec({ direction: 'TeamsToPbx' }) }),
    want: { matched: 10_000, unmatched: 0, calls: 16, readBudget: 1500, read: true, write: false },
    reason: 'no writes, no write reserve',
  },
  {
    name: 'PbxToTeamsDoesNotPoll',
    observation: observe({ spec: spec({ direction: 'PbxToTeams' }) }),
    want: { matched: 10_000, unmatched: 0, calls: 0, readBudget: 1200, read: false, write: true },
    reason: 'users still resolve PBX events; nothing is polled',
  },
  {
    name: 'ExplicitListOnly',
    observation: observe({ spec: spec({ users: { fromMappings: false, pbxUsers: [{ email: 'user1@contoso.com' }, { email: 'ghost@contoso.com' }] } }) }),
    want: { matched: 1, unmatched: 1, calls: 1, readBudget: 1200, read: true, write: true },
    reason: 'presence works for PBX users without a mapping (no licence needed)',
  },
  {
    name: 'SharedTenant',
    observation: observe({ presenceSyncsOnTenant: 4 }),
    want: { matched: 10_000, unmatched: 0, calls: 16, readBudget: 300, read: true, write: true },
    reason: 'four PresenceSyncs split one tenant budget',
  },
];

for (const tc of planCases) {
  test(`planPresenceSync: ${tc.name}`, () => {
    const plan = planPresenceSync(tc.observation);
    const got = {
      matched: plan.users.matched.length,
      unmatched: plan.users.unmatched.count,
      calls: plan.poll.callsPerCycle,
      readBudget: plan.poll.readBudgetPerWindow,
      read: plan.readEnabled,
      write: plan.writeEnabled,
    };
    assert.deepEqual(got, tc.want, tc.reason);
  });
}

const polled: PresencePollerStats = {
  usersTracked: 10_000,
  cycles: 3,
  updatesPublished: 10_042,
  lastPollAt: Date.UTC(2025, 8, 1, 12),
  lastPollDurationMs: 9500,
  lastCycleFailedCalls: 0,
  lastErrors: [],
  effectiveIntervalMs: 10_000,
  intervalReason: undefined,
};

interface ReportCase {
  readonly name: string;
  readonly observation: PresenceSyncObservation;
  readonly facts: PresenceRuntimeFacts;
  readonly want: readonly [ready: string, syncNeeded: string, failed: string];
  readonly wantMessage?: RegExp;
  readonly reason: string;
}

const reportCases: readonly ReportCase[] = [
  {
    name: 'Active',
    observation: observe(),
    facts: { poller: polled },
    want: ['True/Active', 'False/UpToDate', 'False/NoError'],
    wantMessage: /^Polling 10000 users, accepting PBX call events$/,
    reason: 'steady state',
  },
  {
    name: 'FirstPollPending',
    observation: observe(),
    facts: {},
    want: ['False/Progressing', 'True/Progressing', 'False/NoError'],
    reason: 'not Ready before the first cycle',
  },
  {
    name: 'Suspended',
    observation: observe({ spec: spec({ suspend: true }) }),
    facts: {},
    want: ['False/Suspended', 'False/Suspended', 'False/NoError'],
    reason: 'suspend wins',
  },
  {
    name: 'NoUsersMatched',
    observation: observe({ m365Users: [] }),
    facts: {},
    want: ['False/NoUsersMatched', 'False/UpToDate', 'True/NoUsersMatched'],
    wantMessage:
      /^None of the 10000 selected PBX users matches a Teams user principal name \(e\.g\. user0@contoso\.com, user1000@contoso\.com, user1001@contoso\.com\)$/,
    reason: 'admin must act; Failed=True implies Ready=False with the same reason',
  },
  {
    name: 'SecretNotFound',
    observation: observe(),
    facts: { poller: polled, missingSecrets: ['pbx/token'] },
    want: ['False/SecretNotFound', 'False/UpToDate', 'True/SecretNotFound'],
    reason: 'names the key, never a value',
  },
  {
    name: 'SecretPurposeMismatch',
    observation: observe(),
    facts: {
      poller: polled,
      unlabelledSecrets: [
        { name: 'graph-app', purpose: 'webhook-signing' },
        { name: 'db', purpose: 'pbx-token' },
      ],
    },
    want: ['False/SecretPurposeMismatch', 'False/UpToDate', 'True/SecretPurposeMismatch'],
    wantMessage:
      /^Secret not labelled for its use, so not read: graph-app \(teamssync\.io\/secret-purpose=webhook-signing\), db \(teamssync\.io\/secret-purpose=pbx-token\);/,
    reason: 'tokens and webhook keys are read only from Secrets made for them; the message names Secrets, never values',
  },
  {
    name: 'WebhookFailing',
    observation: observe({ spec: spec({ webhook: { url: 'https://pbx.example/hook', hmacSecretRef: { name: 'hook', key: 'hmacKey' }, timeout: '5s' } }) }),
    facts: { poller: polled, webhook: { cursor: 10, lastDeliveredAt: undefined, consecutiveFailures: 5, lastError: 'HTTP 503', lastErrorRefused: false } },
    want: ['False/WebhookFailing', 'True/WebhookFailing', 'True/WebhookFailing'],
    wantMessage: /\(HTTP 503\)/,
    reason: 'retried by itself, but reported',
  },
  {
    name: 'WebhookBlipNotReported',
    observation: observe(),
    facts: { poller: polled, webhook: { cursor: 10, lastDeliveredAt: undefined, consecutiveFailures: 2, lastError: 'HTTP 503', lastErrorRefused: false } },
    want: ['True/Active', 'False/UpToDate', 'False/NoError'],
    reason: 'single blips do not flap the condition',
  },
  {
    name: 'WebhookRefusedAtOnce',
    observation: observe({ spec: spec({ webhook: { url: 'https://pbx.example/hook', hmacSecretRef: { name: 'hook', key: 'hmacKey' }, timeout: '5s' } }) }),
    facts: {
      poller: polled,
      webhook: { cursor: 10, lastDeliveredAt: undefined, consecutiveFailures: 1, lastError: 'destination refused: a loopback address', lastErrorRefused: true },
    },
    want: ['False/WebhookFailing', 'True/WebhookFailing', 'True/WebhookFailing'],
    wantMessage: /\(destination refused: a loopback address\)/,
    reason: 'a refusal waits for a fix (retried only at the maximum backoff), so the first one is reported',
  },
  {
    name: 'Throttled',
    observation: observe(),
    facts: { poller: { ...polled, lastCycleFailedCalls: 2, lastErrors: ['M365_ERR_THROTTLED (HTTP 429)'] } },
    want: ['False/Throttled', 'True/Throttled', 'False/NoError'],
    reason: 'throttling is not a failure (R6)',
  },
  {
    name: 'GraphUnavailable',
    observation: observe(),
    facts: { poller: { ...polled, lastCycleFailedCalls: 16, lastErrors: ['M365_ERR_TRANSIENT (HTTP 503)'] } },
    want: ['False/GraphUnavailable', 'True/GraphUnavailable', 'True/GraphUnavailable'],
    reason: 'reads failing',
  },
  {
    name: 'IntervalStretched',
    observation: observe({ presenceSyncsOnTenant: 100 }),
    facts: { poller: polled },
    want: ['True/IntervalStretched', 'False/UpToDate', 'False/NoError'],
    wantMessage: /^Poll interval lengthened from 10s to /,
    reason: 'Ready, and the status says why the cycle is longer',
  },
];

for (const tc of reportCases) {
  test(`reportPresenceSync: ${tc.name}`, () => {
    const report = reportPresenceSync(planPresenceSync(tc.observation), tc.facts);
    assert.deepEqual(
      report.conditions.map((c) => `${c.status}/${c.reason}`),
      tc.want,
      tc.reason,
    );
    if (tc.wantMessage !== undefined) assert.match(report.conditions[0]?.message ?? '', tc.wantMessage, tc.reason);
    for (const condition of report.conditions)
      assert.ok(condition.message.length > 0 && condition.message.length <= 256 && !condition.message.endsWith('.'), 'R5 message style');
  });
}

test('reportPresenceSync: status holds only user-visible facts; per-cycle figures are metrics', () => {
  const facts = {
    poller: polled,
    webhook: { cursor: 40, lastDeliveredAt: Date.UTC(2025, 8, 1, 12, 0, 5), consecutiveFailures: 0, lastError: undefined, lastErrorRefused: false },
  };
  const report = reportPresenceSync(planPresenceSync(observe()), facts);
  const fields = Object.fromEntries(Object.entries(report.fields).filter(([, value]) => value !== undefined));
  assert.deepEqual(fields, { usersTracked: 10_000, usersUnmatched: 0, unmatchedSample: [], effectivePollInterval: '10s', graphCallsPerCycle: 16 });
  for (const deprecated of ['lastPollTime', 'lastPollDurationMs', 'updatesPublished', 'activeCallSessions', 'stream'] as const)
    assert.ok(deprecated in report.fields && report.fields[deprecated] === undefined, `${deprecated} an older controller wrote is removed`);
  const later = reportPresenceSync(planPresenceSync(observe()), {
    ...facts,
    poller: { ...polled, cycles: 99, updatesPublished: 20_000, lastPollAt: Date.UTC(2025, 8, 1, 13), lastPollDurationMs: 400 },
    webhook: { ...facts.webhook, cursor: 90, lastDeliveredAt: Date.UTC(2025, 8, 1, 13) },
  });
  assert.deepEqual(later, report, 'more cycles, updates and deliveries change nothing in status');
  const failing = reportPresenceSync(planPresenceSync(observe()), { ...facts, webhook: { ...facts.webhook, consecutiveFailures: 3, lastError: 'HTTP 503' } });
  assert.deepEqual(failing.fields.webhook, { lastError: 'HTTP 503' }, 'the error shows with WebhookFailing');
  const blip = reportPresenceSync(planPresenceSync(observe()), { ...facts, webhook: { ...facts.webhook, consecutiveFailures: 1, lastError: 'HTTP 503' } });
  assert.equal(blip.fields.webhook, undefined, 'a single failed attempt writes nothing');
});

test('reportPresenceSync: a field no longer computed is removed (laid over the status as undefined)', () => {
  const report = reportPresenceSync(planPresenceSync(observe({ spec: spec({ direction: 'PbxToTeams' }) })), {});
  assert.ok('stream' in report.fields && report.fields.stream === undefined, 'the stream of an earlier TeamsToPbx run goes');
  assert.ok('effectivePollInterval' in report.fields && report.fields.effectivePollInterval === undefined);
});

test('reportBlocked: every figure goes, the conditions say why (retrying or waiting for the user)', () => {
  const retrying = reportBlocked({ kind: 'failed', reason: 'GraphUnavailable', message: "Reading the tenant's users failed: boom", retrying: true });
  assert.ok(Object.values(retrying.fields).every((value) => value === undefined));
  assert.deepEqual(
    retrying.conditions.map((c) => `${c.status}/${c.reason}`),
    ['False/GraphUnavailable', 'True/GraphUnavailable', 'True/GraphUnavailable'],
  );
  const final = reportBlocked({ kind: 'failed', reason: 'TenantNotFound', message: 'TeamsTenant contoso does not exist in namespace ns', retrying: false });
  assert.deepEqual(
    final.conditions.map((c) => `${c.status}/${c.reason}`),
    ['False/TenantNotFound', 'False/UpToDate', 'True/TenantNotFound'],
  );
  const waiting = reportBlocked({ kind: 'progressing', reason: 'TenantNotReady', message: 'TeamsTenant contoso has no usable credentials' });
  assert.deepEqual(
    waiting.conditions.map((c) => `${c.status}/${c.reason}/${c.message}`),
    [
      'False/TenantNotReady/TeamsTenant contoso has no usable credentials',
      'True/TenantNotReady/TeamsTenant contoso has no usable credentials',
      'False/NoError/The last attempt did not fail',
    ],
  );
});
