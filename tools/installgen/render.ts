/**
 * Every generated install file (config/rbac roles, crds/kustomization.yaml, the Helm chart's
 * generated parts), rendered in memory next to the CRDs they derive from, so tools/generate.ts
 * writes them and `--check` compares them with the disk.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { GeneratedFile } from '../crdgen/render.ts';
import { repoRoot } from '../crdgen/render.ts';
import { renderChartFiles } from './chart.ts';
import { chartDir } from './layout.ts';
import { renderRbacFiles } from './rbac.ts';

/** The install files derived from `apiFiles` (crdgen's output) and the permissions tables. */
export function renderInstallFiles(apiFiles: readonly GeneratedFile[]): GeneratedFile[] {
  const crds = apiFiles.filter((f) => f.path.startsWith('crds/'));
  return [...renderRbacFiles(), ...renderChartFiles(crds)];
}

/** CRD copies in the chart that the current schemas no longer produce. */
export async function strayInstallFiles(files: readonly GeneratedFile[]): Promise<string[]> {
  const wanted = new Set(files.map((f) => f.path));
  const dir = `${chartDir}/crds`;
  const onDisk = (await readdir(path.join(repoRoot, dir)).catch(() => [])).filter((f) => f.endsWith('.yaml')).map((f) => `${dir}/${f}`);
  return onDisk.filter((f) => !wanted.has(f)).sort();
}
