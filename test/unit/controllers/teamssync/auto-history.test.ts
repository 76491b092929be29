import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  autoRunName,
  recordAutoChange,
  recoverAutoRun,
  tickBatch,
  type AutoBatchState,
  type BatchStep,
} from '../../../../controllers/teamssync/auto-history.ts';
import { recordUser, newRun, startRun } from '../../../../controllers/teamssync/run.ts';
import { runToStatus } from '../../../../controllers/teamssync/run.ts';

const t0 = new Date('2025-03-01T12:00:00.123Z');
const at = (ms: number) => new Date(t0.getTime() + ms);
const change = (mapping: string) => ({ mapping, action: 'Create' as const, detail: 'assign number' });
const kinds = (s: BatchStep) => s.effects.map((e) => `${e.kind}:${e.runName}`);

test('a burst of changes is one run, closed after the quiet period', () => {
  let step = recordAutoChange({}, 'contoso', change('a'), at(0));
  assert.deepEqual(kinds(step), ['Create:contoso-auto-20250301-120000-123']);
  assert.equal(step.nextTickInMs, 5_000);
  step = recordAutoChange(step.state, 'contoso', change('b'), at(2_000));
  assert.deepEqual(kinds(step), [], 'joins the open batch');
  step = tickBatch(step.state, at(4_000));
  assert.deepEqual(kinds(step), [], 'not quiet yet');
  step = tickBatch(step.state, at(7_000));
  assert.deepEqual(kinds(step), ['Close:contoso-auto-20250301-120000-123']);
  const closed = step.effects[0]?.run;
  assert.equal(closed?.phase, 'Succeeded');
  assert.deepEqual(runToStatus(closed).counts, { created: 2, updated: 0, removed: 0, failed: 0, unchanged: 0, skipped: 0 });
  assert.deepEqual(step.state, {});
  assert.equal(step.nextTickInMs, undefined);
});

test('a long stream is cut at the maximum batch duration', () => {
  let step: BatchStep = { state: {}, effects: [], nextTickInMs: undefined };
  const created: string[] = [];
  for (let s = 0; s <= 330; s += 3) {
    step = recordAutoChange(step.state, 'contoso', change(`m${s}`), at(s * 1000));
    for (const e of step.effects) created.push(e.kind);
  }
  assert.deepEqual(created, ['Create', 'Close', 'Create'], 'a second run starts after 5 minutes');
});

test('status is flushed while a batch is open, at most every 10 s', () => {
  let state: AutoBatchState = {};
  const effects: string[] = [];
  for (let s = 0; s < 30; s += 2) {
    const step = recordAutoChange(state, 'contoso', change(`m${s}`), at(s * 1000));
    const tick = tickBatch(step.state, at(s * 1000 + 1000));
    state = tick.state;
    effects.push(...step.effects.map((e) => e.kind), ...tick.effects.map((e) => e.kind));
  }
  assert.deepEqual(effects, ['Create', 'Flush', 'Flush']);
});

test('tickBatch with nothing open does nothing', () => {
  assert.deepEqual(tickBatch({}, t0), { state: {}, effects: [], nextTickInMs: undefined });
});

test('recoverAutoRun: an Auto run left Running by a crash is closed; Manual runs are left to resume', () => {
  const auto = recordUser(startRun(newRun({ trigger: 'Auto', dryRun: false, diagnostic: false }), t0), change('a'), t0);
  const closed = recoverAutoRun(auto, at(1000));
  assert.equal(closed.phase, 'Succeeded');
  assert.ok(runToStatus(closed).output?.some((l) => /Closed after a controller restart/.test(l)));
  const manual = startRun(newRun({ trigger: 'Manual', dryRun: false, diagnostic: false }), t0);
  assert.equal(recoverAutoRun(manual, at(1000)), manual);
  // An Auto record nobody records into (made by hand): closed as Failed, saying why and what to do instead.
  const unrecorded = recoverAutoRun(newRun({ trigger: 'Auto', dryRun: false, diagnostic: false }), at(1000));
  assert.equal(unrecorded.phase, 'Failed');
  assert.match(unrecorded.outcome?.message ?? '', /not opened by it .*Create a TeamsSync with trigger Manual/);
  assert.equal(recoverAutoRun(closed, at(2000)), closed, 'a finished record stays as it is');
});

const names = [
  { name: 'Plain', tenant: 'contoso', want: 'contoso-auto-20250301-120000-123', reason: 'readable and sortable' },
  { name: 'LongTenant', tenant: 'a'.repeat(60), want: `${'a'.repeat(38)}-auto-20250301-120000-123`, reason: 'fits 63 characters (label value)' },
  {
    name: 'TrailingDash',
    tenant: `${'b'.repeat(37)}-x`,
    want: `${'b'.repeat(37)}-auto-20250301-120000-123`,
    reason: 'a cut never leaves a dash before the suffix',
  },
];
for (const tc of names) {
  test(`autoRunName: ${tc.name}`, () => {
    const got = autoRunName(tc.tenant, t0);
    assert.equal(got, tc.want, tc.reason);
    assert.ok(got.length <= 63);
    assert.match(got, /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
  });
}
