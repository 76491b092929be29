import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { createHttpsAgent } from '../../../pkg/graph/tls.ts';
import { sendHttps } from '../../../pkg/graph/transport.ts';
import { startScriptedServer } from './support/scripted-server.ts';

// sendHttps's deadline is a clearable timer (pkg/runtime requestDeadline), not AbortSignal.timeout: the request
// still ends at its deadline or at the caller's abort, and an answered request lets go of its timer (the timer's
// release itself is covered by test/unit/runtime/request-deadline.test.ts).

const never = new Promise<never>(() => {});
const server = await startScriptedServer((req) => (req.url === '/hang' ? never : { status: 200, body: { ok: true } }));
const agent = createHttpsAgent({ extraCaPem: server.caPem });
after(async () => {
  agent.destroy();
  await server.close();
});

/** The abort reason of a rejected request (node:https wraps it as the AbortError's cause). */
function reasonOf(error: unknown): unknown {
  return (error as { cause?: unknown }).cause ?? error;
}

test('an answered request resolves with its buffered body', async () => {
  const res = await sendHttps(agent, `${server.origin}/ok`, { method: 'GET', headers: {}, timeoutMs: 60_000 });
  assert.deepEqual(await res.json(), { ok: true });
});

test('a request with no answer ends at its deadline with a TimeoutError', async () => {
  const error = await sendHttps(agent, `${server.origin}/hang`, { method: 'GET', headers: {}, timeoutMs: 50 }).then(
    () => assert.fail('resolved'),
    (e: unknown) => e,
  );
  assert.equal((reasonOf(error) as DOMException).name, 'TimeoutError');
});

test("a request with no answer ends at the caller's abort, with the caller's reason", async () => {
  const caller = new AbortController();
  const pending = sendHttps(agent, `${server.origin}/hang`, { method: 'GET', headers: {}, signal: caller.signal, timeoutMs: 60_000 });
  const reason = new Error('stopping');
  caller.abort(reason);
  const error = await pending.then(
    () => assert.fail('resolved'),
    (e: unknown) => e,
  );
  assert.equal(reasonOf(error), reason);
});
