/** The container's command line as the runtime builds it: Dockerfile ENTRYPOINT/CMD/ENV, overridden by the Deployment. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { containerCommand, nodeFlags, readImageConfig, withFlag } from '../../../pkg/envtest/container-command.ts';
import type { ManifestObject } from '../../../pkg/envtest/install-manifests.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'dockerfile-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let dockerfiles = 0;

function dockerfile(text: string): string {
  const file = path.join(dir, `Dockerfile.${++dockerfiles}`);
  writeFileSync(file, text);
  return file;
}

const image = dockerfile(
  [
    'FROM node:24 AS deps',
    'ENV BUILD_ONLY=1',
    'ENTRYPOINT ["ignored"]',
    'FROM node:24-slim',
    'WORKDIR /app',
    'ENV NODE_ENV=production A="b c"',
    'ENTRYPOINT ["node", "main.ts"]',
    'CMD ["--leader-elect=true"]',
  ].join('\n'),
);

function deployment(container: Record<string, unknown>, grace?: number): ManifestObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'd', namespace: 'ns' },
    spec: { template: { spec: { containers: [container], ...(grace === undefined ? {} : { terminationGracePeriodSeconds: grace }) } } },
  };
}

test('the final stage of the Dockerfile counts', () => {
  assert.deepEqual(readImageConfig(image), {
    entrypoint: ['node', 'main.ts'],
    cmd: ['--leader-elect=true'],
    env: { NODE_ENV: 'production', A: 'b c' },
    workdir: '/app',
  });
});

test('Kubernetes rules: args replace CMD, command replaces ENTRYPOINT and drops CMD, fieldRefs resolve', () => {
  assert.deepEqual(containerCommand(image, deployment({}), {}).argv, ['node', 'main.ts', '--leader-elect=true']);
  assert.deepEqual(containerCommand(image, deployment({ args: ['--x=1'] }), {}).argv, ['node', 'main.ts', '--x=1']);
  assert.deepEqual(containerCommand(image, deployment({ command: ['node', 'other.ts'] }), {}).argv, ['node', 'other.ts']);
  const env = containerCommand(
    image,
    deployment(
      {
        env: [
          { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
          { name: 'X', value: 'y' },
        ],
      },
      40,
    ),
    { 'metadata.namespace': 'ns' },
  );
  assert.deepEqual(env.env, { NODE_ENV: 'production', A: 'b c', POD_NAMESPACE: 'ns', X: 'y' });
  assert.equal(env.terminationGraceSeconds, 40);
  assert.equal(env.memoryLimit, undefined);
  assert.equal(containerCommand(image, deployment({ resources: { limits: { memory: '768Mi' } } }), {}).memoryLimit, '768Mi');
  assert.throws(
    () => containerCommand(image, deployment({ env: [{ name: 'S', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }] }), {}),
    /only value and fieldRef/,
  );
});

test('withFlag replaces every form of a flag in place, or appends it', () => {
  assert.deepEqual(withFlag(['node', 'm.ts', '--a=1', '--b', '2', '--a=3'], 'a', '9'), ['node', 'm.ts', '--a=9', '--b', '2']);
  assert.deepEqual(withFlag(['node', '--b', '2'], 'b', '3'), ['node', '--b=3']);
  assert.deepEqual(withFlag(['node'], 'c', 'x'), ['node', '--c=x']);
});

test("nodeFlags: Node's options before the script, none for another program", () => {
  assert.deepEqual(nodeFlags(['node', '--max-semi-space-size=4', '--disable-warning=X', 'main.ts', '--leader-elect=true']), [
    '--max-semi-space-size=4',
    '--disable-warning=X',
  ]);
  assert.deepEqual(nodeFlags(['/usr/local/bin/node', 'main.ts']), []);
  assert.deepEqual(nodeFlags(['manager', '--x=1']), []);
});

test("the Deployment's command is the image's ENTRYPOINT (the same Node heap flags wherever the daemon runs)", () => {
  const root = path.resolve(import.meta.dirname, '../../..');
  const docs = parseAllDocuments(readFileSync(path.join(root, 'config/manager/deployment.yaml'), 'utf8')).map((d) => d.toJS() as ManifestObject);
  const shipped = docs.find((d) => d.kind === 'Deployment');
  assert.ok(shipped !== undefined);
  const container = (shipped['spec'] as { template: { spec: { containers: { command?: string[] }[] } } }).template.spec.containers[0];
  assert.deepEqual(container?.command, readImageConfig(path.join(root, 'Dockerfile')).entrypoint);
});
