import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError, secretReader, type KubeClient } from '../../../pkg/runtime/index.ts';

function clientAnswering(answer: () => Promise<unknown>): Pick<KubeClient, 'get'> {
  return { get: (() => answer()) as KubeClient['get'] };
}

test('secretReader: returns the Secret the apiserver has', async () => {
  const secret = { metadata: { name: 'graph', namespace: 'ns' }, data: { clientSecret: 'czNjcmV0' } };
  assert.deepEqual(await secretReader(clientAnswering(() => Promise.resolve(secret)))('ns', 'graph'), secret);
});

test('secretReader: a Secret that does not exist is undefined, not an error (the status says so)', async () => {
  const read = secretReader(clientAnswering(() => Promise.reject(new ApiError(404, 'GET', '/api/v1/namespaces/ns/secrets/graph'))));
  assert.equal(await read('ns', 'graph'), undefined);
});

test('secretReader: every other failure is thrown for the controller to retry', async () => {
  const forbidden = new ApiError(403, 'GET', '/api/v1/namespaces/ns/secrets/graph');
  await assert.rejects(secretReader(clientAnswering(() => Promise.reject(forbidden)))('ns', 'graph'), forbidden);
});
