import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { loadClusterConnection, type ClusterConnection } from '../../pkg/runtime/kubeconfig.ts';

/**
 * A connection to a stand-in apiserver (plain HTTP or TLS that tests do not verify) with a static token, loaded
 * through the daemon's kubeconfig loader from a kubeconfig written to a temporary folder (removed once read: the
 * credentials are inline).
 */
export function connectionTo(server: string, token = 'test-token'): ClusterConnection {
  const dir = mkdtempSync(path.join(tmpdir(), 'tsc-kubeconfig-'));
  const file = path.join(dir, 'config');
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'c', cluster: { server, 'insecure-skip-tls-verify': true } }],
    users: [{ name: 'u', user: { token } }],
    contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
    'current-context': 'x',
  };
  try {
    writeFileSync(file, stringify(config), { mode: 0o600 });
    return loadClusterConnection({ kubeconfig: file });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
