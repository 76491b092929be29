import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyRun } from '../../../../controllers/teamssync/apply.ts';
import type { MappingSyncOutcome, SyncMappingPort } from '../../../../controllers/teamssync/ports.ts';
import type { TeamsTenant, UserLicenseMapping } from '../../../../controllers/teamssync/resources.ts';
import { newRun, startRun, totals, type RunState } from '../../../../controllers/teamssync/run.ts';
import { AuthFailedError, type GraphTenantClient } from '../../../../pkg/graph/index.ts';

const t0 = new Date('2025-03-01T12:00:00Z');
const mapping = (name: string): UserLicenseMapping => ({
  apiVersion: 'teamssync.io/v1alpha1',
  kind: 'UserLicenseMapping',
  metadata: { name, namespace: 'acme' },
  spec: {
    tenantRef: { name: 'contoso' },
    pbxUser: { displayName: name, phoneNumber: '+14255550100', voicemail: 'Voicemail' },
    teamsUser: { userPrincipalName: `${name}@contoso.com` },
    suspend: false,
  },
});
const request = (signal = new AbortController().signal) => ({
  tenant: {} as TeamsTenant,
  client: {} as unknown as GraphTenantClient,
  runName: 'run-1',
  signal,
});
const running = (dryRun = false, diagnostic = false): RunState => startRun(newRun({ trigger: 'Manual', dryRun, diagnostic }), t0);

function port(outcomes: Record<string, MappingSyncOutcome | Error>, seen: { name: string; mode: string }[] = []): SyncMappingPort {
  return async (m, req) => {
    await Promise.resolve();
    seen.push({ name: m.metadata.name, mode: req.mode });
    const o = outcomes[m.metadata.name];
    if (o instanceof Error) throw o;
    return o ?? { action: 'None' };
  };
}

const deps = (syncMapping: SyncMappingPort, flushes: RunState[] = []) => ({
  syncMapping,
  flush: (r: RunState) => {
    flushes.push(r);
    return Promise.resolve();
  },
  flushEveryMs: 0,
  now: () => t0,
});

test('applyRun: every mapping once, counts and Succeeded', async () => {
  const seen: { name: string; mode: string }[] = [];
  const outcomes = { a: { action: 'Create', user: 'a@contoso.com', detail: 'assign number' }, b: { action: 'None' }, c: { action: 'Remove' } } as const;
  const flushes: RunState[] = [];
  const run = await applyRun(
    running(),
    { mappings: [mapping('a'), mapping('b'), mapping('c')], missing: ['gone'] },
    request(),
    deps(port(outcomes, seen), flushes),
  );
  assert.equal(run.phase, 'Succeeded');
  assert.deepEqual(seen, [
    { name: 'a', mode: 'apply' },
    { name: 'b', mode: 'apply' },
    { name: 'c', mode: 'apply' },
  ]);
  assert.deepEqual(totals(run.results), { created: 1, updated: 0, removed: 1, failed: 0, unchanged: 1, skipped: 1 });
  assert.ok(flushes.length >= 3, 'progress is flushed');
});

const failureCases: { name: string; outcome: MappingSyncOutcome | Error; phase: string; reason?: string; why: string }[] = [
  {
    name: 'MappingFailed',
    outcome: { action: 'Create', error: 'number taken' },
    phase: 'Failed',
    reason: 'PartiallyFailed',
    why: 'a failed user fails the run, others still run',
  },
  { name: 'PortThrewOtherError', outcome: new Error('boom'), phase: 'Failed', reason: 'PartiallyFailed', why: "a surprise error is that mapping's failure" },
  {
    name: 'SignInRejected',
    outcome: new AuthFailedError('token revoked', { reason: 'InvalidGrant' } as never),
    phase: 'Failed',
    reason: 'RunFailed',
    why: 'a rejected sign-in ends the run',
  },
  { name: 'Skipped', outcome: { action: 'Create', skippedBecause: 'waits for a licence' }, phase: 'Succeeded', why: 'a skipped user does not fail the run' },
];
for (const tc of failureCases) {
  test(`applyRun: ${tc.name}`, async () => {
    const seen: { name: string; mode: string }[] = [];
    const run = await applyRun(running(), { mappings: [mapping('a'), mapping('b')], missing: [] }, request(), deps(port({ a: tc.outcome }, seen)));
    assert.equal(run.phase, tc.phase, tc.why);
    assert.equal(run.outcome?.reason, tc.reason, tc.why);
    assert.equal(seen.length, tc.reason === 'RunFailed' ? 1 : 2, tc.why);
  });
}

test('applyRun: dry run asks for dryRun and records Planned results', async () => {
  const seen: { name: string; mode: string }[] = [];
  const run = await applyRun(
    running(true),
    { mappings: [mapping('a')], missing: [] },
    request(),
    deps(port({ a: { action: 'Create', detail: 'assign number +14255550100' } }, seen)),
  );
  assert.equal(seen[0]?.mode, 'dryRun');
  assert.equal(run.results.listed[0]?.result, 'Planned');
  assert.ok(run.output.lines.some((l) => l.includes('Would configure')));
});

test('applyRun: an abort leaves the run Running for the next leader to resume', async () => {
  const abort = new AbortController();
  const p: SyncMappingPort = () => {
    abort.abort();
    return Promise.resolve({ action: 'None' });
  };
  const run = await applyRun(running(), { mappings: [mapping('a'), mapping('b')], missing: [] }, request(abort.signal), deps(p));
  assert.equal(run.phase, 'Running');
  assert.equal(totals(run.results).unchanged, 0, 'the interrupted mapping is not recorded: the resumed run repeats it');
  assert.ok(run.output.lines.some((l) => l.includes('WARN Interrupted')));
});

test('applyRun: diagnostic runs describe each mapping', async () => {
  const run = await applyRun(running(false, true), { mappings: [mapping('a')], missing: [] }, request(), deps(port({})));
  assert.ok(run.output.lines.some((l) => l.includes('DEBUG Mapping a: number +14255550100')));
});

test('applyRun: a mapping whose earlier write may still land is come back to after the others, then recorded', async () => {
  const seen: { name: string; mode: string }[] = [];
  let asked = 0;
  const waits: number[] = [];
  const syncMapping: SyncMappingPort = async (m, req) => {
    await Promise.resolve();
    seen.push({ name: m.metadata.name, mode: req.mode });
    if (m.metadata.name !== 'a') return { action: 'None' };
    asked++;
    return asked < 3 ? { action: 'None', skippedBecause: 'waiting to see', retryAfterMs: 5_000 } : { action: 'Create', detail: 'assign number' };
  };
  const wait = (ms: number) => (waits.push(ms), Promise.resolve(true));
  const run = await applyRun(running(), { mappings: [mapping('a'), mapping('b')], missing: [] }, request(), { ...deps(syncMapping), wait });
  assert.equal(run.phase, 'Succeeded');
  assert.deepEqual(
    seen.map((s) => s.name),
    ['a', 'b', 'a', 'a'],
    'the others first, then back to it',
  );
  assert.deepEqual(waits, [5_000, 5_000]);
  assert.deepEqual(
    run.results.listed.map((r) => [r.mapping, r.result]),
    [
      ['b', 'Succeeded'],
      ['a', 'Succeeded'],
    ],
    'recorded once, when settled',
  );
});

test('applyRun: a mapping that never settles is recorded as skipped after a bounded number of returns', async () => {
  let asked = 0;
  const syncMapping: SyncMappingPort = () => (asked++, Promise.resolve({ action: 'None', skippedBecause: 'waiting to see', retryAfterMs: 5_000 }));
  const run = await applyRun(running(), { mappings: [mapping('a')], missing: [] }, request(), { ...deps(syncMapping), wait: () => Promise.resolve(true) });
  assert.equal(run.phase, 'Succeeded');
  assert.equal(asked, 13);
  assert.deepEqual(
    run.results.listed.map((r) => r.result),
    ['Skipped'],
  );
  assert.equal(Object.hasOwn(run.results.listed[0] ?? {}, 'retryAfterMs'), false, 'the hint is not status');
});

test('applyRun: stopping while waiting to come back leaves the run Running for the next leader', async () => {
  const ac = new AbortController();
  const syncMapping: SyncMappingPort = () => Promise.resolve({ action: 'None', skippedBecause: 'waiting to see', retryAfterMs: 5_000 });
  const wait = () => (ac.abort(), Promise.resolve(false));
  const run = await applyRun(running(), { mappings: [mapping('a')], missing: [] }, request(ac.signal), { ...deps(syncMapping), wait });
  assert.equal(run.phase, 'Running');
  assert.equal(run.results.listed.length, 0);
});
