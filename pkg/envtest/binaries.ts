import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

/** Absolute paths of the three control-plane binaries used by integration and e2e tests. */
export interface ControlPlaneBinaries {
  readonly kubeApiserver: string;
  readonly etcd: string;
  readonly kubectl: string;
}

const repoRoot = path.resolve(import.meta.dirname, '..', '..');

/**
 * Finds kube-apiserver, etcd and kubectl the way envtest does: the TEST_ASSET_* variables first,
 * then KUBEBUILDER_ASSETS, then the project's version-keyed cache (built on first use by
 * tools/build-control-plane.sh, which takes minutes only the first time on a machine).
 */
export function resolveBinaries(): ControlPlaneBinaries {
  const dir = process.env['KUBEBUILDER_ASSETS'] ?? cachedBinaryDir();
  const pick = (envName: string, file: string): string => {
    const chosen = process.env[envName] ?? path.join(dir, file);
    if (!existsSync(chosen)) throw new Error(`control-plane binary not found: ${chosen}`);
    return chosen;
  };
  return {
    kubeApiserver: pick('TEST_ASSET_KUBE_APISERVER', 'kube-apiserver'),
    etcd: pick('TEST_ASSET_ETCD', 'etcd'),
    kubectl: pick('TEST_ASSET_KUBECTL', 'kubectl'),
  };
}

function cachedBinaryDir(): string {
  const script = path.join(repoRoot, 'tools', 'build-control-plane.sh');
  // The script prints the cache directory; it builds only when the cache is missing or stale.
  return execFileSync('bash', [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
}
