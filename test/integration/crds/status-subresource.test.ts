import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { userLicenseMapping } from '../../builders/teamssync.ts';
import { kubectl, testNamespace } from '../../harness/kube.ts';

const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

function conditions(ready: string, syncNeeded: string): Record<string, unknown> {
  const at = now();
  return {
    status: {
      observedGeneration: 1,
      conditions: [
        { type: 'Ready', status: ready, reason: ready === 'True' ? 'Configured' : 'Progressing', message: '', lastTransitionTime: at },
        { type: 'SyncNeeded', status: syncNeeded, reason: syncNeeded === 'True' ? 'Progressing' : 'UpToDate', message: '', lastTransitionTime: at },
        { type: 'Failed', status: 'False', reason: 'NoError', message: '', lastTransitionTime: at },
      ],
    },
  };
}

async function createMapping(namespace: string): Promise<void> {
  const created = await kubectl(['apply', '-f', '-'], { namespace, stdin: JSON.stringify(userLicenseMapping('alex')) });
  assert.equal(created.code, 0, created.stderr);
}

async function jsonpath(namespace: string, path: string): Promise<string> {
  return (await kubectl(['get', 'ulm', 'alex', '-o', `jsonpath=${path}`], { namespace })).stdout;
}

test('status subresource: writes to the main resource do not change status', async (t) => {
  const namespace = await testNamespace(t);
  await createMapping(namespace);
  const patched = await kubectl(['patch', 'ulm', 'alex', '--type=merge', '-p', JSON.stringify({ status: { licenseState: 'Holding' } })], { namespace });
  assert.equal(patched.code, 0, patched.stderr);
  assert.equal(await jsonpath(namespace, '{.status.licenseState}'), '');
  const replaced = await kubectl(['apply', '-f', '-'], {
    namespace,
    stdin: JSON.stringify({ ...userLicenseMapping('alex'), status: { licenseState: 'Waiting' } }),
  });
  assert.equal(replaced.code, 0, replaced.stderr);
  assert.equal(await jsonpath(namespace, '{.status.licenseState}'), '');
});

test('status subresource: a /status patch changes status and nothing else', async (t) => {
  const namespace = await testNamespace(t);
  await createMapping(namespace);
  const body = { spec: { pbxUser: { extension: '1234' } }, status: { licenseState: 'Holding', assignedNumber: undefined } };
  const patched = await kubectl(['patch', 'ulm', 'alex', '--subresource=status', '--type=merge', '-p', JSON.stringify(body)], { namespace });
  assert.equal(patched.code, 0, patched.stderr);
  assert.equal(await jsonpath(namespace, '{.status.licenseState}'), 'Holding');
  assert.equal(await jsonpath(namespace, '{.spec.pbxUser.extension}'), '7777', 'spec is ignored on /status');
  assert.equal(await jsonpath(namespace, '{.metadata.generation}'), '1', 'a status write does not bump generation');
});

test('status subresource: /status writes are validated too', async (t) => {
  const namespace = await testNamespace(t);
  await createMapping(namespace);
  const bad = { status: { licenseState: 'Borrowed', conditions: [{ type: 'Ready', status: 'Maybe', reason: 'x y', message: '', lastTransitionTime: 'now' }] } };
  const patched = await kubectl(['patch', 'ulm', 'alex', '--subresource=status', '--type=merge', '-p', JSON.stringify(bad)], { namespace });
  assert.notEqual(patched.code, 0);
  assert.match(patched.stderr, /status\.licenseState: Unsupported value: "Borrowed"/);
  assert.match(patched.stderr, /status\.conditions\[0\]\.status: Unsupported value: "Maybe"/);
});

test('kubectl wait --for=condition=Ready returns once Ready=True is written through /status', async (t) => {
  const namespace = await testNamespace(t);
  await createMapping(namespace);
  assert.equal(
    (await kubectl(['patch', 'ulm', 'alex', '--subresource=status', '--type=merge', '-p', JSON.stringify(conditions('False', 'True'))], { namespace })).code,
    0,
  );
  let settled = false;
  const waiting = kubectl(['wait', '--for=condition=Ready', '--timeout=60s', 'ulm/alex'], { namespace }).finally(() => (settled = true));
  await sleep(1_500);
  assert.equal(settled, false, 'kubectl wait must not return while Ready=False');
  const patched = await kubectl(['patch', 'ulm', 'alex', '--subresource=status', '--type=merge', '-p', JSON.stringify(conditions('True', 'False'))], {
    namespace,
  });
  assert.equal(patched.code, 0, patched.stderr);
  const waited = await waiting;
  assert.equal(waited.code, 0, waited.stderr);
  assert.match(waited.stdout, /userlicensemapping\.teamssync\.io\/alex condition met/);
  const syncNeeded = await kubectl(['wait', '--for=condition=SyncNeeded=False', '--timeout=10s', 'ulm/alex'], { namespace });
  assert.equal(syncNeeded.code, 0, syncNeeded.stderr);
});
