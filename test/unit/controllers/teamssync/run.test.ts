import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  finishRun,
  logLine,
  newRun,
  recordUser,
  refuseRun,
  resumeRun,
  runFromStatus,
  runToStatus,
  startRun,
  type RunSpec,
  type RunState,
  type UserOutcome,
} from '../../../../controllers/teamssync/run.ts';

const t0 = new Date('2025-03-01T12:00:00Z');
const at = (s: number) => new Date(t0.getTime() + s * 1000);
const spec: RunSpec = { trigger: 'Manual', dryRun: false, diagnostic: false };
const created = (mapping: string): UserOutcome => ({ mapping, user: `${mapping}@contoso.com`, action: 'Create', detail: 'assign number +14255550100' });
const unchanged = (mapping: string): UserOutcome => ({ mapping, action: 'None' });
const failed = (mapping: string): UserOutcome => ({ mapping, action: 'Update', error: 'Number +14255550100 is assigned to another user' });

const running = (s: RunSpec = spec) => startRun(newRun(s), t0, { userPrincipalName: 'sarah@contoso.com' });

test('phases: Pending → Running → Succeeded', () => {
  let run: RunState = newRun(spec);
  assert.equal(run.phase, 'Pending');
  run = running();
  assert.equal(run.phase, 'Running');
  assert.equal(run.startTime, t0.toISOString());
  assert.deepEqual(run.authorization, { userPrincipalName: 'sarah@contoso.com', verifiedTime: t0.toISOString() });
  run = finishRun(recordUser(run, created('alice'), at(1)), at(2));
  assert.equal(run.phase, 'Succeeded');
  assert.equal(run.completionTime, at(2).toISOString());
});

const transitions: { name: string; run: () => RunState; want: string; reason: string }[] = [
  {
    name: 'SomeUsersFailed',
    run: () => finishRun(recordUser(running(), failed('bob'), at(1)), at(2)),
    want: 'Failed/PartiallyFailed',
    reason: 'a failed user fails the run',
  },
  {
    name: 'RunError',
    run: () => finishRun(running(), at(1), 'The tenant cannot authenticate'),
    want: 'Failed/RunFailed',
    reason: 'the run could not complete',
  },
  {
    name: 'Refused',
    run: () => refuseRun(newRun(spec), at(1), 'NotGlobalAdministrator', 'no role'),
    want: 'Refused/NotGlobalAdministrator',
    reason: 'authorisation failed',
  },
  { name: 'TerminalIsFinal', run: () => startRun(finishRun(running(), at(1)), at(2)), want: 'Succeeded/-', reason: 'a finished run never restarts' },
  {
    name: 'RefuseAfterFinishIgnored',
    run: () => refuseRun(finishRun(running(), at(1)), at(2), 'X', 'y'),
    want: 'Succeeded/-',
    reason: 'stale events do not rewind',
  },
  { name: 'RecordBeforeStartIgnored', run: () => recordUser(newRun(spec), created('a'), at(1)), want: 'Pending/-', reason: 'results only while Running' },
  { name: 'FinishPendingOnlyWithError', run: () => finishRun(newRun(spec), at(1)), want: 'Pending/-', reason: 'a run that never started cannot succeed' },
];
for (const tc of transitions) {
  test(`transitions: ${tc.name}`, () => {
    const run = tc.run();
    assert.equal(`${run.phase}/${run.outcome?.reason ?? '-'}`, tc.want, tc.reason);
  });
}

test('counts and results: failures first, API shapes', () => {
  let run = running();
  run = recordUser(run, created('alice'), at(1));
  run = recordUser(run, unchanged('carol'), at(1));
  run = recordUser(run, failed('bob'), at(1));
  run = recordUser(run, { mapping: 'dave', action: 'Create', skippedBecause: 'waits for an integration licence' }, at(1));
  const status = runToStatus(run);
  assert.deepEqual(status.counts, { created: 1, updated: 0, removed: 0, failed: 1, unchanged: 1, skipped: 1 });
  assert.deepEqual(
    status.results?.map((r) => `${r.mapping}:${r.action}:${r.result}`),
    ['bob:Update:Failed', 'alice:Create:Succeeded', 'carol:None:Succeeded', 'dave:Create:Skipped'],
  );
  assert.equal(status.resultsTruncated, false);
});

test('dry run: results are Planned and the output says would', () => {
  let run = running({ ...spec, dryRun: true });
  run = recordUser(run, created('alice'), at(1));
  const status = runToStatus(finishRun(run, at(2)));
  assert.equal(status.results?.[0]?.result, 'Planned');
  assert.ok(status.output?.some((l) => /Would configure alice@contoso.com/.test(l)));
  assert.ok(status.output?.some((l) => /dry run: changes are computed, nothing is written/.test(l)));
});

test('resume: changes before the crash are kept, not counted twice', () => {
  let run = running();
  run = recordUser(run, created('alice'), at(1));
  run = recordUser(run, failed('bob'), at(1));
  // The controller crashes; a new process reads the status back and resumes.
  let resumed = resumeRun(runFromStatus(spec, { ...runToStatus(run) }), at(10));
  assert.equal(resumed.phase, 'Running');
  resumed = recordUser(resumed, unchanged('alice'), at(11));
  resumed = recordUser(resumed, { mapping: 'bob', action: 'Update', detail: 'assign number' }, at(11));
  const status = runToStatus(finishRun(resumed, at(12)));
  assert.deepEqual(status.counts, { created: 1, updated: 1, removed: 0, failed: 0, unchanged: 0, skipped: 0 }, 'alice stays created; bob now succeeded');
  assert.equal(status.phase, 'Succeeded');
  assert.ok(status.output?.some((l) => /Resumed after a controller restart/.test(l)));
});

test('bounded results: failures push out successes, totals keep counting', () => {
  let run = running();
  for (let i = 0; i < 505; i += 1) run = recordUser(run, created(`u${i}`), at(1));
  run = recordUser(run, failed('bad'), at(2));
  const status = runToStatus(run);
  assert.equal(status.results?.length, 500);
  assert.equal(status.results[0]?.mapping, 'bad', 'the failure is listed first');
  assert.deepEqual(status.counts, { created: 505, updated: 0, removed: 0, failed: 1, unchanged: 0, skipped: 0 });
  assert.equal(status.resultsTruncated, true);
  const back = runToStatus(runFromStatus(spec, status));
  assert.deepEqual(back.counts, status.counts, 'totals survive a round trip through status');
});

test('bounded output: diagnostic debug lines, caps and the omitted marker', () => {
  let plain = running();
  plain = logLine(plain, 'DEBUG', 'GET /users page 2', at(1));
  assert.ok(!runToStatus(plain).output?.some((l) => l.includes('DEBUG')), 'debug only in diagnostic runs');
  let diag = running({ ...spec, diagnostic: true });
  diag = logLine(diag, 'DEBUG', 'GET /users page 2', at(1));
  assert.ok(runToStatus(diag).output?.some((l) => l.includes('DEBUG GET /users page 2')));
  for (let i = 0; i < 2000; i += 1) diag = logLine(diag, 'INFO', `line ${i} ${'x'.repeat(40)}`, at(2));
  const out = runToStatus(diag).output ?? [];
  assert.ok(out.length <= 500);
  assert.ok(out.reduce((n, l) => n + Buffer.byteLength(l) + 1, 0) <= 32 * 1024);
  assert.match(out[0] ?? '', /^\[\d+ earlier lines omitted\]$/);
  assert.match(out.at(-1) ?? '', /line 1999/);
  assert.equal(runToStatus(diag).outputTruncated, true);
  const back = runToStatus(runFromStatus({ ...spec, diagnostic: true }, runToStatus(diag)));
  assert.deepEqual(back.output, out, 'the marker is read back, not doubled');
});

test('secrets never reach the output', () => {
  let run = running();
  run = recordUser(run, { mapping: 'a', action: 'Update', error: 'Graph said Bearer abcdefghijklmnop and eyJhbGciOi.eyJzdWIiOiIx.c2lnbmF0dXJl' }, at(1));
  run = logLine(run, 'INFO', 'token url ?refresh_token=0.AAAA-secret&x=1\nsecond line', at(1));
  const text = JSON.stringify(runToStatus(run));
  assert.doesNotMatch(text, /abcdefghijklmnop|eyJhbGciOi|0\.AAAA-secret/);
  assert.match(text, /\[REDACTED\]/);
  assert.ok(
    runToStatus(run).output?.every((l) => !l.includes('\n')),
    'one line per entry',
  );
});
