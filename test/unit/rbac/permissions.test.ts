import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { parseFlags } from '../../../cmd/controller/flags.ts';
import { daemonPermissions } from '../../../controllers/rbac.ts';
import { rulesFor } from '../../../pkg/rbac/rules.ts';
import { defaultLeaseName } from '../../../pkg/runtime/rbac.ts';
import { renderAll, staleFiles } from '../../../tools/crdgen/render.ts';
import { renderInstallFiles, strayInstallFiles } from '../../../tools/installgen/render.ts';

const repoRoot = path.resolve(import.meta.dirname, '..', '..', '..');

test('generate: config/rbac, crds/kustomization.yaml and the chart are up to date (run `npm run generate`)', async () => {
  const files = renderInstallFiles(renderAll());
  assert.deepEqual(await staleFiles(files), []);
  assert.deepEqual(await strayInstallFiles(files), []);
  assert.deepEqual(renderInstallFiles(renderAll()), files, 'rendering is deterministic');
});

test('rbac: Secrets are read by name and deleted, never listed, watched or written', () => {
  const secrets = rulesFor(daemonPermissions, 'cluster').filter((r) => r.apiGroup === '' && r.resource === 'secrets');
  assert.deepEqual(
    secrets.map((r) => r.verbs),
    [['get', 'delete']],
  );
});

test('rbac: TeamsSync runs can be created (Auto runs) and deleted (history), nothing is a wildcard', () => {
  const cluster = rulesFor(daemonPermissions, 'cluster');
  const runs = cluster.find((r) => r.resource === 'teamssyncs');
  assert.ok(runs?.verbs.includes('create') && runs.verbs.includes('delete'));
  for (const rule of [...cluster, ...rulesFor(daemonPermissions, 'own-namespace')]) {
    assert.ok(!rule.verbs.includes('*' as never) && rule.resource !== '*' && rule.apiGroup !== '*', JSON.stringify(rule));
    assert.ok(rule.reasons.length > 0, `${rule.resource} has a reason`);
  }
});

test('rbac: every row says why, and list comes with watch', () => {
  for (const table of daemonPermissions) {
    for (const row of table.permissions) {
      assert.ok(row.why.length > 10, `${table.owner} ${row.resource}: why`);
      assert.ok(row.verbs.length > 0, `${table.owner} ${row.resource}: verbs`);
      // Informers always need both; the runtime never lists without watching or vice versa.
      assert.equal(row.verbs.includes('list'), row.verbs.includes('watch'), `${table.owner} ${row.resource}: list and watch together`);
    }
  }
});

test('rbac: only the leader-election Lease is namespace-scoped, limited to the default Lease name', () => {
  const own = rulesFor(daemonPermissions, 'own-namespace');
  assert.ok(own.every((r) => r.apiGroup === 'coordination.k8s.io' && r.resource === 'leases'));
  assert.deepEqual(own.find((r) => r.resourceNames !== undefined)?.resourceNames, [defaultLeaseName]);
});

test("rbac: the Lease name in the roles and the chart is the daemon's --leader-election-id default", async () => {
  assert.equal(parseFlags([], {}, () => 'ns').leaderElectionId, defaultLeaseName);
  const values = parse(await readFile(path.join(repoRoot, 'charts/teams-sync-controller/values.yaml'), 'utf8')) as { leaderElection: { id: string } };
  assert.equal(values.leaderElection.id, defaultLeaseName);
});
