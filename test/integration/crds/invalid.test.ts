import assert from 'node:assert/strict';
import { test } from 'node:test';
import { invalidCases } from '../../builders/invalid-objects.ts';
import { kubectl, testNamespace } from '../../harness/kube.ts';

// One namespace for the whole table: every case uses its own object name.
test('invalid resources: the apiserver rejects each with the expected message', async (t) => {
  const namespace = await testNamespace(t);
  for (const tc of invalidCases) {
    await t.test(tc.name, async () => {
      if (tc.old) {
        const created = await kubectl(['apply', '-f', '-'], { namespace, stdin: JSON.stringify(tc.old) });
        assert.equal(created.code, 0, `creating the old object: ${created.stderr}`);
      }
      const result = await kubectl(['apply', '-f', '-'], { namespace, stdin: JSON.stringify(tc.object) });
      assert.notEqual(result.code, 0, `${tc.reason}: the apiserver accepted it:\n${result.stdout}`);
      assert.ok(result.stderr.includes(tc.field), `${tc.reason}: want the error on ${tc.field}, got:\n${result.stderr}`);
      assert.match(result.stderr, tc.apiserver, tc.reason);
    });
  }
});
