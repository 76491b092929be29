import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { KindNamesByKind } from '../../../pkg/apis/teamssync/v1alpha1/group.ts';
import { kubectl, testNamespace } from '../../harness/kube.ts';

const samplesDir = path.resolve(import.meta.dirname, '../../../config/samples');

test('samples: kubectl apply -k config/samples creates every sample', async (t) => {
  const namespace = await testNamespace(t);
  const applied = await kubectl(['apply', '-k', samplesDir], { namespace });
  assert.equal(applied.code, 0, applied.stderr);
  for (const line of [
    'teamstenant.teamssync.io/contoso created',
    'userlicensemapping.teamssync.io/alex-alta created',
    'userlicensemapping.teamssync.io/mo-alta created',
    'presencesync.teamssync.io/contoso-presence created',
    'teamssync.teamssync.io/contoso-dry-run created',
    'secret/contoso-graph created',
  ]) {
    assert.ok(applied.stdout.includes(line), `missing "${line}" in:\n${applied.stdout}`);
  }
  const again = await kubectl(['apply', '-k', samplesDir], { namespace });
  assert.equal(again.code, 0, again.stderr);
  // Secrets with stringData always report "configured" under client-side apply; our kinds must not.
  assert.doesNotMatch(again.stdout, /teamssync\.io\/\S+ (configured|created)/, 're-applying the samples changes nothing (defaults are stable)');
});

test('samples: kubectl get teamssync lists every kind of the category', async (t) => {
  const namespace = await testNamespace(t);
  assert.equal((await kubectl(['apply', '-k', samplesDir], { namespace })).code, 0);
  const listed = await kubectl(['get', 'teamssync', '-o', 'name'], { namespace });
  assert.equal(listed.code, 0, listed.stderr);
  for (const kind of Object.values(KindNamesByKind)) assert.match(listed.stdout, new RegExp(`^${kind.singular}\\.teamssync\\.io/`, 'm'));
});

test('samples: short names resolve', async (t) => {
  const namespace = await testNamespace(t);
  for (const kind of Object.values(KindNamesByKind)) {
    for (const short of kind.shortNames) {
      const got = await kubectl(['get', short], { namespace });
      assert.equal(got.code, 0, `kubectl get ${short}: ${got.stderr}`);
    }
  }
});

test('samples: the apiserver fills the documented defaults', async (t) => {
  const namespace = await testNamespace(t);
  assert.equal((await kubectl(['apply', '-k', samplesDir], { namespace })).code, 0);
  const got = await kubectl(['get', 'tsync', 'contoso-dry-run', '-o', 'jsonpath={.spec.scope.type} {.spec.trigger}'], { namespace });
  assert.equal(got.stdout, 'All Manual');
  const mapping = await kubectl(['get', 'ulm', 'alex-alta', '-o', 'jsonpath={.spec.suspend}'], { namespace });
  assert.equal(mapping.stdout, 'false');
  const presence = await kubectl(['get', 'ps', 'contoso-presence', '-o', 'jsonpath={.spec.stream.retention} {.spec.pbxEvents.tokenSecretRef.key}'], {
    namespace,
  });
  assert.equal(presence.stdout, '24h token');
});
