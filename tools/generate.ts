/**
 * Regenerates the files derived from pkg/apis/teamssync/v1alpha1 (crds/*.yaml, docs/api/*.md) and the
 * install derived from them and from the permissions tables (config/rbac roles, crds/kustomization.yaml,
 * the generated parts of charts/teams-sync-controller; tools/installgen).
 *
 *   node --import tsx tools/generate.ts          write them (npm run generate)
 *   node --import tsx tools/generate.ts --check  write nothing; exit 1 listing stale files (npm run verify)
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { renderAll, repoRoot, staleFiles, strayFiles } from './crdgen/render.ts';
import { renderInstallFiles, strayInstallFiles } from './installgen/render.ts';

async function main(): Promise<number> {
  const check = process.argv.includes('--check');
  const apiFiles = renderAll();
  const files = [...apiFiles, ...renderInstallFiles(apiFiles)];
  const stale = await staleFiles(files);
  const stray = [...(await strayFiles(apiFiles)), ...(await strayInstallFiles(files))];
  if (check) {
    if (stale.length === 0 && stray.length === 0) return 0;
    const lines = [...stale.map((f) => `  ${f}`), ...stray.map((f) => `  ${f} (no longer generated)`)];
    console.error(`generated files are stale; run \`npm run generate\`:\n${lines.join('\n')}`);
    return 1;
  }
  for (const file of stray) {
    await rm(path.join(repoRoot, file));
    console.log(`removed ${file}`);
  }
  for (const file of files.filter((f) => stale.includes(f.path))) {
    const target = path.join(repoRoot, file.path);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, file.content);
    console.log(`wrote ${file.path}`);
  }
  if (stale.length === 0 && stray.length === 0) console.log('generated files are up to date');
  return 0;
}

process.exitCode = await main();
