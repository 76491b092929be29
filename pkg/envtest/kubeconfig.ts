import { writeFile } from 'node:fs/promises';
import { stringify } from 'yaml';
import type { ApiserverEndpoint } from './https-json.ts';

/** Writes a one-cluster, one-user kubeconfig named `envtest`, as envtest's KubeConfigFromREST does. */
export async function writeKubeconfig(file: string, endpoint: ApiserverEndpoint, user = 'admin'): Promise<void> {
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'envtest', cluster: { server: endpoint.server, 'certificate-authority-data': Buffer.from(endpoint.caPem).toString('base64') } }],
    users: [{ name: user, user: { token: endpoint.token } }],
    contexts: [{ name: 'envtest', context: { cluster: 'envtest', user } }],
    'current-context': 'envtest',
  };
  await writeFile(file, stringify(config), { mode: 0o600 });
}
