/**
 * `npm run bench`: lists the benchmarks; `npm run bench -- NAME...` runs the named ones one after the
 * other, each in its own process (a benchmark's RSS and CPU figures must not include another's).
 * Each prints its own figures against its floor or baseline; none asserts on time.
 */
import { spawnSync } from 'node:child_process';
import { globSync } from 'node:fs';
import path from 'node:path';

const dir = import.meta.dirname;
const benches = globSync('*.ts', { cwd: dir })
  .filter((f) => f !== 'run.ts')
  .map((f) => f.replace(/\.ts$/, ''))
  .sort();
const wanted = process.argv.slice(2);
if (wanted.length === 0) {
  console.log(`Benchmarks (npm run bench -- NAME...):\n${benches.map((b) => `  ${b}`).join('\n')}`);
  process.exit(0);
}
const unknown = wanted.filter((w) => !benches.includes(w));
if (unknown.length > 0) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; known: ${benches.join(', ')}`);
  process.exit(2);
}
let failed = 0;
for (const name of wanted) {
  console.log(`\n=== ${name}`);
  const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(dir, `${name}.ts`)], { stdio: 'inherit' });
  if (run.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
