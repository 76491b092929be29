import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { checksHandler, parseBindAddress, startHttpEndpoint } from '../../../pkg/runtime/http-server.ts';
import { childLogger, createLogger } from '../../../pkg/runtime/logging.ts';

test('createLogger: redacts secrets at any of the configured depths, keeps the rest', () => {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  const log = childLogger(createLogger({ level: 'info', destination }), { controller: 'teamstenant', reconcileId: 'r1' });
  log.info(
    {
      authorization: 'Bearer abc',
      creds: { clientSecret: 's3cret', clientId: 'app' },
      req: { headers: { authorization: 'Bearer x' } },
      a: { b: { privateKey: 'pem' } },
      token: 't',
    },
    'Did something',
  );
  const out = lines.join('');
  for (const secret of ['Bearer abc', 's3cret', 'Bearer x', 'pem', '"t"']) assert.ok(!out.includes(secret), `${secret} leaked: ${out}`);
  const parsed = JSON.parse(out) as Record<string, unknown>;
  assert.equal(parsed['controller'], 'teamstenant');
  assert.equal(parsed['level'], 'info');
  assert.deepEqual(parsed['creds'], { clientSecret: '[REDACTED]', clientId: 'app' });
});

const bindCases = [
  { address: ':8080', want: { host: '0.0.0.0', port: 8080 } },
  { address: '127.0.0.1:0', want: { host: '127.0.0.1', port: 0 } },
  { address: '[::1]:9000', want: { host: '::1', port: 9000 } },
  { address: '0', want: undefined },
  { address: '', want: undefined },
];
for (const tc of bindCases) {
  test(`parseBindAddress: ${JSON.stringify(tc.address)}`, () => assert.deepEqual(parseBindAddress(tc.address), tc.want));
}
test('parseBindAddress: rejects garbage', () => {
  assert.throws(() => parseBindAddress('8080'));
  assert.throws(() => parseBindAddress(':99999'));
});

test('checksHandler: 200 ok when all pass, 500 listing failures otherwise', async () => {
  let failing = false;
  const endpoint = await startHttpEndpoint('127.0.0.1:0', {
    '/readyz': checksHandler(() => [{ name: 'informers', check: () => (failing ? 'configmaps (not synced)' : undefined) }]),
  });
  assert.ok(endpoint);
  try {
    const ok = await fetch(`http://127.0.0.1:${endpoint.port}/readyz`);
    assert.equal(ok.status, 200);
    assert.equal(await ok.text(), 'ok\n');
    failing = true;
    const bad = await fetch(`http://127.0.0.1:${endpoint.port}/readyz`);
    assert.equal(bad.status, 500);
    assert.match(await bad.text(), /\[-\]informers failed: configmaps \(not synced\)/);
    assert.equal((await fetch(`http://127.0.0.1:${endpoint.port}/nope`)).status, 404);
  } finally {
    await endpoint.close();
  }
});
