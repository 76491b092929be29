/**
 * TeamsSync end to end, crash safety: the controller process dies in the middle of a run; a new one
 * finds the run Running, resumes it, and finishes it without assigning any number twice (the
 * simulator's request log counts the assignNumber calls). Run:
 * node --import tsx test/run.ts test/e2e/teams-sync-resume.test.ts
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventually, startTeamsSyncEnv, upn } from './support/teams-sync-env.ts';

const USERS = 5;
const number = (i: number) => `+1425555020${i}`;

test('a run interrupted by a controller crash is resumed and assigns every number exactly once', async (t) => {
  const env = await startTeamsSyncEnv(t, { phoneUsers: USERS, startController: false });
  const tenantId = env.sim.control.tenantIds()[0] ?? '';
  for (let i = 1; i <= USERS; i++) await env.createMapping(`m${i}`, upn(`user${i}`), number(i));
  const token = await env.signIn(upn('admin'));
  await env.createTokenSecret('crash-token', token.accessToken);
  await env.createRun('crash', { delegatedTokenSecretRef: { name: 'crash-token', key: 'token' } });

  const first = await env.startController();
  await eventually('the run to record its first users', async () => {
    const run = await env.run('crash');
    return run.status?.phase === 'Running' && (run.status.results?.length ?? 0) >= 1;
  });
  await first.kill();
  const interrupted = await env.run('crash');
  assert.equal(interrupted.status?.phase, 'Running', 'the dead process left the run Running');
  assert.ok((interrupted.status?.results?.length ?? 0) < USERS, 'the crash came before the run was done');

  await env.startController();
  const run = await env.finished('crash');
  assert.equal(run.status?.phase, 'Succeeded', JSON.stringify(run.status?.output));
  assert.ok(run.status?.output?.some((l) => l.includes('WARN Resumed after a controller restart')));
  assert.equal(run.status?.counts?.failed, 0);
  assert.equal(run.status?.results?.length, USERS);
  // The mapping that was in flight at the crash may finish as "Microsoft 365 is still completing it":
  // its number lands when Teams completes the operation the first process started, not before.
  for (let i = 1; i <= USERS; i++) {
    const userId = env.sim.control.user(tenantId, upn(`user${i}`))?.id;
    await eventually(
      `number ${i} to be on its user`,
      async () => env.sim.control.numbers(tenantId).find((n) => n.telephoneNumber === number(i))?.assignmentTargetId === userId,
    );
  }
  const assigns = env.graphWrites().filter((e) => e.method === 'POST' && e.path.includes('assignNumber'));
  assert.equal(assigns.length, USERS, 'no number was assigned twice');
  await eventually('the token Secret to be deleted', async () => !(await env.secretExists('crash-token')));
});
