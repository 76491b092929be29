/** The container's memory limit for a harness process: Kubernetes quantities, and a cgroup the started process sees. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { containerMemoryLimit, parseQuantity } from '../../../pkg/envtest/memory-cgroup.ts';

test('parseQuantity: binary and decimal suffixes, plain bytes; anything else is refused', () => {
  const cases: Array<[string, number]> = [
    ['768Mi', 768 * 2 ** 20],
    ['1Gi', 2 ** 30],
    ['512Ki', 512 * 1024],
    ['1.5Gi', 1.5 * 2 ** 30],
    ['1G', 1e9],
    ['250M', 250e6],
    ['4k', 4000],
    ['536870912', 536870912],
  ];
  for (const [quantity, bytes] of cases) assert.equal(parseQuantity(quantity), bytes, quantity);
  for (const bad of ['', 'Mi', '768mi', '768MB', '-1Gi', '1e9']) assert.throws(() => parseQuantity(bad), /not a memory quantity/, bad);
});

test('no limit set: the command runs as given', () => {
  const limit = containerMemoryLimit(undefined, 'unit');
  assert.equal(limit.bytes, undefined);
  assert.match(limit.description, /^no memory limit \(the container sets none\)/);
  assert.deepEqual(limit.wrap('/bin/true', ['a']), ['/bin/true', ['a']]);
});

test("a process started inside the limit sees it (Node's constrained memory), or the reason there is none", () => {
  const bytes = 768 * 2 ** 20;
  const limit = containerMemoryLimit(bytes, 'unit');
  try {
    const [command, args] = limit.wrap(process.execPath, ['-p', 'process.constrainedMemory()']);
    const run = spawnSync(command, args, { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    if (limit.bytes === undefined) {
      // Hosts without a writable memory controller (unprivileged CI): the process runs, and the reason is given.
      assert.match(limit.description, /^no memory limit \(/);
    } else {
      assert.equal(Number(run.stdout.trim()), bytes);
      assert.match(limit.description, /^768 MiB \(v[12] memory cgroup/);
    }
  } finally {
    limit.remove();
  }
});
