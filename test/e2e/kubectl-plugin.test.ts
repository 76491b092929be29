/**
 * The kubectl plugin end to end, through the real kubectl's plugin discovery (bin/ on PATH), against the real
 * apiserver, the daemon as shipped and the Microsoft 365 simulator: every command of issue 13 that is not `users`
 * or `map` (those have their own files), its output and its exit code (docs/kubectl-plugin.md), the device code
 * sign-in, and kubectl's plugin completion. One environment for the file; the steps build on each other.
 * Run: node --import tsx test/run.ts test/e2e/kubectl-plugin.test.ts
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parse } from 'yaml';
import { eventually, startPluginEnv, TENANT, upn, type PluginEnv } from './support/kubectl-plugin-env.ts';

type Json = Record<string, unknown> & { items?: Json[]; metadata?: { name?: string }; status?: Json };

describe('kubectl teamssync', () => {
  let env: PluginEnv;
  const cleanups: (() => Promise<void> | void)[] = [];
  before(async () => {
    env = await startPluginEnv({ name: 'kubectl teamssync', after: (fn: () => Promise<void> | void) => void cleanups.push(fn) });
    await env.createMapping('alex', upn('user1'), '+14255550301');
    await env.createMapping('sam', upn('user2'), '+14255550302');
  });
  after(async () => {
    for (const fn of cleanups.reverse()) await fn();
  });

  test('kubectl finds the plugin; --help lists the commands with examples; bad usage exits 2', async () => {
    const help = await env.kubectl(['teamssync', '--help']);
    assert.equal(help.code, 0, help.stderr);
    for (const command of ['sync', 'history', 'show', 'diagnose', 'users', 'map', 'completion']) assert.match(help.stdout, new RegExp(`\\n  ${command}\\b`));
    for (const command of ['sync', 'diagnose']) {
      const sub = await env.kubectl(['teamssync', command, '--help']);
      assert.equal(sub.code, 0, sub.stderr);
      assert.match(sub.stdout, /Examples:\n {2}(#|kubectl teamssync|source)/, `${command} --help has examples`);
    }
    const unknown = await env.kubectl(['teamssync', 'frobnicate']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command 'frobnicate'/);
    const missing = await env.plugin(['history']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /missing required argument 'tenant'/);
    const badFormat = await env.plugin(['history', TENANT, '-o', 'xml']);
    assert.equal(badFormat.code, 2);
  });

  test('history of a tenant without runs, and of a tenant that does not exist', async () => {
    const empty = await env.plugin(['history', TENANT]);
    assert.equal(empty.code, 0, empty.stderr);
    assert.equal(empty.stdout, '');
    assert.match(empty.stderr, /No sync runs of tenant woodgrove/);
    const none = await env.plugin(['history', 'nope']);
    assert.equal(none.code, 4);
    assert.match(none.stderr, /teamstenants\.teamssync\.io "nope" not found/);
  });

  test('diagnose a mapping before any sync: conditions explained with the fix, nothing in flight, the dry run of the next sync', async () => {
    await eventually(
      'the daemon to queue alex',
      async () => (await env.mapping('alex')).status?.conditions?.some((c) => c.type === 'SyncNeeded' && c.reason === 'ChangesQueued'),
      120_000,
    );
    const text = await env.plugin(['diagnose', 'alex']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^UserLicenseMapping \S+\/alex \(tenant woodgrove\)/);
    assert.match(text.stdout, /SyncNeeded=True ChangesQueued/);
    assert.match(text.stdout, /Fix: The designated Global Admin runs `kubectl teamssync sync TENANT`/);
    assert.match(text.stdout, /In flight:\n/);
    assert.match(text.stdout, /The next sync would change \(dry run woodgrove-dryrun-\d{8}-\d{6}\):\n {2}Create alex \(user1@woodgrove\.example\): Planned/);
    const json = await env.plugin(['diagnose', 'mapping/alex', '-o', 'json']);
    assert.equal(json.code, 0, json.stderr);
    const diagnosis = JSON.parse(json.stdout) as { kind: string; nextSync: { results: { mapping: string; action: string; result: string }[] } };
    assert.equal(diagnosis.kind, 'UserLicenseMapping');
    assert.deepEqual(
      diagnosis.nextSync.results.map((r) => `${r.mapping}:${r.action}:${r.result}`),
      ['alex:Create:Planned'],
      'the dry run covers only that mapping',
    );
    assert.equal(env.holder('+14255550301'), undefined, 'a dry run writes nothing to Microsoft 365');
    const history = await env.plugin(['history', TENANT, '-o', 'json']);
    assert.deepEqual((JSON.parse(history.stdout) as Json).items, [], 'the dry runs are deleted afterwards');
    const tenant = await env.plugin(['diagnose', 'tenant/woodgrove', '--no-dry-run']);
    assert.equal(tenant.code, 0, tenant.stderr);
    assert.match(tenant.stdout, /^TeamsTenant \S+\/woodgrove/);
    assert.match(tenant.stdout, /Mappings needing attention:\n {2}alex: ChangesQueued/);
    const none = await env.plugin(['diagnose', 'nobody']);
    assert.equal(none.code, 4);
  });

  test('sync: device code sign-in, progress, summary; a failed user exits 3 and show lists it with the output', async () => {
    const fault = env.sim.control.addFault({
      host: 'graph',
      method: 'POST',
      path: '^.*assignNumber',
      status: 400,
      code: 'BadRequest',
      message: 'Injected',
      count: 1,
    });
    const sync = await env.plugin(['sync', TENANT, '--name', 'run-1', '--diagnostic', ...env.signInFlags], { approveAs: upn('admin') });
    env.sim.control.removeFault(fault);
    assert.equal(sync.code, 3, `${sync.stdout}\n${sync.stderr}`);
    assert.match(sync.stderr, /Sign in as the designated Global Admin admin@woodgrove\.example/);
    assert.match(sync.stdout, /Signed in as admin@woodgrove\.example\. Created TeamsSync \S+\/run-1/);
    assert.match(sync.stdout, /^Failed: 2\/2 users$/m, 'plain progress lines when stdout is not a terminal, ending at the total');
    assert.match(sync.stdout, /TeamsSync run-1: Failed after/);
    assert.match(sync.stdout, /failed alex \(user1@woodgrove\.example\): /);
    assert.doesNotMatch(sync.stdout + sync.stderr, /eyJ/, 'no token printed');

    const show = await env.plugin(['show', 'run-1']);
    assert.equal(show.code, 3, show.stderr);
    assert.match(show.stdout, /^Name: +run-1$/m);
    assert.match(show.stdout, /^Authorised By: admin@woodgrove\.example$/m);
    assert.match(show.stdout, /Results:\nMAPPING +USER +ACTION +RESULT +MESSAGE\n/);
    assert.match(show.stdout, /^alex +user1@woodgrove\.example +\w+ +Failed/m);
    assert.match(show.stdout, /^sam +user2@woodgrove\.example +Create +Succeeded/m);
    assert.match(show.stdout, /Output:\n(.*\n)*.*DEBUG Mapping alex/, 'a diagnostic run shows its debug output');
    const failedOnly = await env.plugin(['show', 'run-1', '--failed']);
    assert.doesNotMatch(failedOnly.stdout, /^sam /m);
    const yaml = await env.plugin(['show', 'run-1', '-o', 'yaml']);
    assert.equal((parse(yaml.stdout) as Json).kind, 'TeamsSync');
    const missing = await env.plugin(['show', 'run-0']);
    assert.equal(missing.code, 4);
  });

  test('sync again: the failed user is applied, exit 0; history lists both runs newest first in every format', async () => {
    const sync = await env.plugin(['sync', TENANT, '--name', 'run-2', ...env.signInFlags], { approveAs: upn('admin') });
    assert.equal(sync.code, 0, `${sync.stdout}\n${sync.stderr}`);
    assert.match(sync.stdout, /TeamsSync run-2: Succeeded after/);
    assert.match(sync.stdout, /Configured 1, updated 0 and unconfigured 0 users; 1 unchanged/);
    assert.ok(env.holder('+14255550301') !== undefined, 'alex has the number now');

    const table = await env.plugin(['history', TENANT]);
    assert.equal(table.code, 0, table.stderr);
    const lines = table.stdout.trimEnd().split('\n');
    assert.match(lines[0] ?? '', /^NAME +TRIGGER +PHASE +DRY RUN +CREATED +UPDATED +REMOVED +FAILED +UNCHANGED +STARTED +DURATION +AGE$/);
    assert.match(lines[1] ?? '', /^run-2 +Manual +Succeeded +false +1 +0 +0 +0 +1 /);
    assert.match(lines[2] ?? '', /^run-1 +Manual +Failed +false +1 +0 +0 +1 +0 /);
    const json = JSON.parse((await env.plugin(['history', TENANT, '-o', 'json'])).stdout) as Json;
    assert.equal(json.kind, 'List');
    assert.deepEqual(
      json.items?.map((i) => i.metadata?.name),
      ['run-2', 'run-1'],
    );
    const yaml = parse((await env.plugin(['history', TENANT, '-o', 'yaml'])).stdout) as Json;
    assert.equal(yaml.items?.length, 2);
  });

  test('sync refused before anything is created when another admin signs in (exit 5); a dry run needs no sign-in', async () => {
    const refused = await env.plugin(['sync', TENANT, '--name', 'run-3', ...env.signInFlags], { approveAs: upn('other-admin') });
    assert.equal(refused.code, 5, refused.stderr);
    assert.match(refused.stderr, /only the designated Global Admin admin@woodgrove\.example may authorise a sync/);
    assert.equal((await env.plugin(['show', 'run-3'])).code, 4, 'nothing was created');

    const dry = await env.plugin(['sync', TENANT, '--dry-run', '--name', 'dry-1']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /Created TeamsSync \S+\/dry-1 without a sign-in \(dry run\)/);
    assert.match(dry.stdout, /Dry run: would configure 0, update 0 and unconfigure 0 users; 2 unchanged/);
    const noWait = await env.plugin(['sync', TENANT, '--dry-run', '--name', 'dry-2', '--no-wait']);
    assert.equal(noWait.code, 0, noWait.stderr);
    assert.match(noWait.stdout, /kubectl wait --namespace \S+ teamssync\/dry-2/);
  });

  test('completion: kubectl completes the plugin through kubectl_complete-teamssync; bash and zsh scripts', async () => {
    const commands = await env.kubectl(['__complete', 'teamssync', '']);
    assert.equal(commands.code, 0, commands.stderr);
    assert.match(commands.stdout, /^sync\t/m);
    assert.match(commands.stdout, /^diagnose\t/m);
    assert.match(commands.stdout, /^:4$/m);
    const runs = await env.kubectl(['__complete', 'teamssync', 'show', '-n', env.namespace, 'run-']);
    assert.deepEqual(runs.stdout.trim().split('\n'), ['run-1', 'run-2', ':4']);
    const targets = await env.kubectl(['__complete', 'teamssync', 'diagnose', '-n', env.namespace, '']);
    assert.deepEqual(targets.stdout.trim().split('\n'), ['alex', 'sam', 'woodgrove', ':4']);
    const formats = await env.kubectl(['__complete', 'teamssync', 'history', 'woodgrove', '-o', '']);
    assert.deepEqual(formats.stdout.trim().split('\n'), ['table', 'json', 'yaml', ':4']);

    const bash = await env.plugin(['completion', 'bash']);
    assert.equal(bash.code, 0);
    assert.match(bash.stdout, /complete -F _kubectl_teamssync kubectl-teamssync/);
    const zsh = await env.plugin(['completion', 'zsh']);
    assert.match(zsh.stdout, /^#compdef kubectl-teamssync/);
    assert.equal((await env.plugin(['completion', 'fish'])).code, 2);
  });
});
