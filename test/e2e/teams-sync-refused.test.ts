/**
 * TeamsSync end to end, refusals (seed 003's double authentication): a run of a Manual-mode tenant
 * is refused with a clear reason unless its token belongs to the designated Global Admin who holds
 * the Global Administrator role; a refused run writes nothing to Microsoft 365 and its token Secret
 * is deleted all the same. Run: node --import tsx test/run.ts test/e2e/teams-sync-refused.test.ts
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { teamsSyncResource, teamsTenantResource } from '../../controllers/teamssync/resources.ts';
import { eventually, startTeamsSyncEnv, TENANT, upn, type TeamsSyncEnv } from './support/teams-sync-env.ts';

interface RefusalCase {
  readonly name: string;
  /** Who signs in; undefined = no token reference at all. */
  readonly signIn?: string;
  /** The tenant's designated Global Admin for this case. */
  readonly designated?: string;
  /** Reference a Secret that does not exist. */
  readonly missingSecret?: boolean;
  /** The token sits in a Secret the sign-in command did not make (no delegated-token label): neither used nor deleted. */
  readonly foreignSecret?: boolean;
  readonly reason: string;
  readonly message: RegExp;
}

const cases: readonly RefusalCase[] = [
  {
    name: 'AnotherGlobalAdmin',
    signIn: upn('other-admin'),
    reason: 'NotDesignatedGlobalAdmin',
    message: /other-admin@contoso\.example is not the designated Global Admin admin@contoso\.example/,
  },
  {
    name: 'DesignatedWithoutRole',
    signIn: upn('helpdesk'),
    designated: upn('helpdesk'),
    reason: 'NotGlobalAdministrator',
    message: /helpdesk@contoso\.example does not hold the Global Administrator role/,
  },
  { name: 'NoToken', reason: 'TokenRequired', message: /designated Global Admin must authorise the run with kubectl teamssync sync/ },
  { name: 'SecretMissing', missingSecret: true, reason: 'TokenNotFound', message: /Secret \S+\/gone-token does not exist/ },
  { name: 'ForeignSecret', signIn: upn('admin'), foreignSecret: true, reason: 'TokenInvalid', message: /was not made by the sign-in command/ },
];

async function designate(env: TeamsSyncEnv, user: string): Promise<void> {
  await env.kube.patch(teamsTenantResource, env.namespace, TENANT, { spec: { globalAdmin: { userPrincipalName: user } } });
}

test('refused runs: a clear reason, nothing written, token Secret deleted', async (t) => {
  const env = await startTeamsSyncEnv(t);
  await env.createMapping('alex', upn('user1'), '+14255550101');
  for (const [i, tc] of cases.entries()) {
    await t.test(tc.name, async () => {
      await designate(env, tc.designated ?? upn('admin'));
      const name = `refused-${i}`;
      let tokenRef: Record<string, unknown> = {};
      if (tc.signIn !== undefined) {
        const token = await env.signIn(tc.signIn);
        await env.createTokenSecret(`${name}-token`, token.accessToken, { labelled: tc.foreignSecret !== true });
        tokenRef = { delegatedTokenSecretRef: { name: `${name}-token`, key: 'token' } };
      } else if (tc.missingSecret === true) {
        tokenRef = { delegatedTokenSecretRef: { name: 'gone-token', key: 'token' } };
      }
      await env.createRun(name, tokenRef);
      const run = await env.finished(name);
      const failed = run.status?.conditions?.find((c) => c.type === 'Failed');
      assert.equal(run.status?.phase, 'Refused');
      assert.equal(failed?.status, 'True');
      assert.equal(failed?.reason, tc.reason);
      assert.match(failed?.message ?? '', tc.message);
      assert.equal(run.status?.conditions?.find((c) => c.type === 'Ready')?.reason, tc.reason, 'Ready=False carries the same reason');
      assert.ok(run.status?.output?.some((l) => l.includes('ERROR Refused:')));
      assert.equal(run.status?.startTime, undefined, 'a refused run never started');
      assert.doesNotMatch(JSON.stringify(run), /eyJ/);
      if (tc.foreignSecret === true) assert.equal(await env.secretExists(`${name}-token`), true, 'a Secret not made for the run is not deleted');
      else if (tc.signIn !== undefined) await eventually('the token Secret to be deleted', async () => !(await env.secretExists(`${name}-token`)));
    });
  }
  assert.deepEqual(env.graphWrites(), [], 'no refused run wrote to Microsoft 365');
  assert.equal(
    env.sim.control.numbers(env.sim.control.tenantIds()[0] ?? '').some((n) => n.telephoneNumber === '+14255550101'),
    false,
  );
});

test('a run deleted before it finishes leaves no token Secret behind', async (t) => {
  const env = await startTeamsSyncEnv(t);
  const token = await env.signIn(upn('admin'));
  // Every Graph call now takes a minute, so the run cannot finish (its Global Admin check needs Graph)
  // before it is deleted, and its own clean-up cannot be what deletes the token within the deadline.
  env.sim.control.addFault({ host: 'graph', latencyMs: 60_000 });
  await env.createTokenSecret('deleted-token', token.accessToken);
  await env.createRun('deleted', { delegatedTokenSecretRef: { name: 'deleted-token', key: 'token' } });
  await env.kube.delete(teamsSyncResource, env.namespace, 'deleted');
  await eventually("the deleted run's token Secret to be deleted", async () => !(await env.secretExists('deleted-token')), 30_000);
  env.sim.control.clearFaults();
});
