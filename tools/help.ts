/**
 * `npm run help`: every npm script with what it is for. The descriptions live here, beside nothing
 * else, so a script added to package.json without one is named by the check below.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

const descriptions: Record<string, string> = {
  help: 'this list',
  typecheck: 'tsc --noEmit, strict',
  build: 'compile the daemon to dist/ as the image does (node dist/cmd/controller/main.js); tests compile their own copy',
  generate: 'regenerate CRDs, API docs, RBAC and the Helm chart from their sources (pkg/apis, permission tables)',
  verify: 'fail when a generated file is stale (part of npm test)',
  lint: 'prettier, dependency-cruiser (cycles, import boundaries), knip (unused files/exports), typescript-eslint strict (part of npm test)',
  format: 'rewrite the TypeScript in Prettier style (what the lint checks)',
  test: 'everything: typecheck, verify, lint, then every suite against one control plane (what make test and CI run)',
  'test:unit': 'unit tests only (no control plane)',
  'test:integration': 'integration tests (real kube-apiserver + etcd, the Microsoft 365 simulator)',
  'test:e2e': 'end-to-end tests of the controllers against the apiserver and the simulator',
  'test:deployed': 'the daemon as its container starts it, under the shipped RBAC, with a real Prometheus',
  'test:security': 'attacks on every endpoint of the daemon; ends with "security: <A> attacks tried, <B> got through"',
  'test:faults': 'the fault suite at full size; ends with the "reliability: ..." line',
  demo: 'a local control plane, the simulated tenant and the daemon, working (make demo does the set-up)',
  controller: 'run the daemon (node cmd/controller/main.ts --help for its flags)',
  m365sim: 'run the Microsoft 365 simulator on its own',
  bench: 'list the benchmarks, or run the named ones: npm run bench -- presence user-sync',
};

const pkg = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '..', 'package.json'), 'utf8')) as { scripts: Record<string, string> };
const names = Object.keys(pkg.scripts);
const width = Math.max(...names.map((n) => n.length));
for (const name of names) console.log(`  npm run ${name.padEnd(width)}  ${descriptions[name] ?? `(undescribed) ${pkg.scripts[name] ?? ''}`}`);
console.log('\n  make demo   the main job, set-up included      make test   every test, set-up included (CI runs this)');
