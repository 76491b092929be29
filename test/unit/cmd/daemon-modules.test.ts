/**
 * The daemon as its container starts it (the compiled `dist/cmd/controller/main.js`, no tsx) never loads
 * `@kubernetes/client-node`: its KubeConfig pulls in every generated API model, ~86 MiB of RSS, more than the
 * daemon's whole idle budget. In a pod it does not load the YAML parser either, nor libphonenumber-js before a ContactSync needs it. A module hook records every module the process loads; `--help` exits after the whole
 * static import graph has been evaluated (imports are hoisted above main), so the list is the daemon's.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { compiledDaemon } from '../../../pkg/envtest/daemon-build.ts';

/** Preloaded with --import: records each loaded module's URL (ESM and CommonJS) and writes the list on exit. */
const recorder = `
import { registerHooks } from 'node:module';
import { writeFileSync } from 'node:fs';
const loaded = [];
registerHooks({ load(url, context, next) { loaded.push(url); return next(url, context); } });
// Node's own internal modules too (process.moduleLoadList: 'NativeModule internal/deps/undici/undici', ...).
process.on('exit', () => writeFileSync(process.env.LOADED_MODULES_FILE, [...loaded, ...process.moduleLoadList].join('\\n')));
`;

test("the daemon entry point does not load @kubernetes/client-node, nor Node's bundled undici", async (t) => {
  const build = await compiledDaemon();
  const home = mkdtempSync(path.join(tmpdir(), 'daemon-modules-'));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  const out = path.join(home, 'loaded.txt');
  const env: NodeJS.ProcessEnv = { PATH: process.env['PATH'] ?? '', HOME: home, LOADED_MODULES_FILE: out };
  const run = spawnSync(
    process.execPath,
    ['--import', `data:text/javascript,${encodeURIComponent(recorder)}`, build.script('cmd/controller/main.ts'), '--help'],
    { cwd: build.dir, env, encoding: 'utf8', timeout: 120_000 },
  );
  assert.equal(run.status, 0, run.stderr);
  const loaded = readFileSync(out, 'utf8').split('\n');
  // The recorder saw the daemon's graph: the runtime's client and its HTTP library are there.
  assert.ok(
    loaded.some((url) => url.endsWith('/dist/pkg/runtime/kube-client.js')),
    'kube-client.js was loaded',
  );
  assert.ok(
    loaded.some((url) => url.includes('/node_modules/undici/')),
    'undici was loaded',
  );
  assert.deepEqual(
    loaded.filter((url) => url.includes('/node_modules/@kubernetes/client-node/')),
    [],
  );
  // Nor Node's bundled undici (fetch, WebSocket; ~13 MiB RSS): an ES import of node:http loads it through its WebSocket
  // getters, so the daemon's code and msal-node take node:http as CommonJS (pkg/runtime/http-server.ts, pkg/graph/auth/msal.ts).
  assert.deepEqual(
    loaded.filter((entry) => entry.includes('internal/deps/undici')),
    [],
  );
  // Nor the YAML parser until a kubeconfig file is read (in a pod, never): pkg/runtime/kubeconfig.ts loads it on use.
  assert.deepEqual(
    loaded.filter((url) => url.includes('/node_modules/yaml/')),
    [],
  );
  // Nor libphonenumber-js (its metadata, several MiB) until a ContactSync normalises a number: pkg/contacts/phone-number.ts.
  assert.deepEqual(
    loaded.filter((url) => url.includes('/node_modules/libphonenumber-js/')),
    [],
  );
});
