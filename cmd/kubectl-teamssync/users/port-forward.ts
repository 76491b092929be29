/**
 * Reaches the daemon's metrics listener from the admin's machine with `kubectl port-forward` to the metrics
 * Service, the way `linkerd viz` and `cilium hubble` reach in-cluster endpoints: the tunnel runs through the
 * apiserver with the admin's own credentials (RBAC: `create pods/portforward` in the controller's namespace), and
 * the daemon still authorises every request by the admin's token.
 *
 * Not through the apiserver's service proxy: the apiserver drops the caller's Authorization header there, so the
 * daemon could not tell who asks (docs/design/plugin-users.md).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { KubeClient } from '../../../pkg/runtime/kube-client.ts';
import { coreResources, type KubeObject } from '../../../pkg/runtime/resource.ts';
import { CliError } from '../exit-codes.ts';

/** A running port-forward. */
export interface PortForward {
  readonly baseUrl: string;
  close(): void;
}

/** Where the daemon is and how kubectl should reach the cluster (the plugin's own global flags). */
export interface PortForwardTarget {
  readonly namespace: string;
  /** `service/<name>`, or `pod/<name>` of the leader (only the leader holds the directories). */
  readonly resource: string;
  readonly port: number;
  readonly kubeconfig?: string | undefined;
  readonly context?: string | undefined;
}

/**
 * The leader's pod from the leader-election Lease (`holderIdentity` is `<pod name>_<uuid>`, pkg/runtime/manager.ts),
 * so a port-forward reaches the replica that holds the directories; undefined when the Lease cannot be read (no
 * `get leases` in the controller's namespace, leader election off): the caller falls back to the Service.
 */
export async function leaderPod(client: KubeClient, namespace: string, lease: string): Promise<string | undefined> {
  try {
    const got = await client.get<KubeObject & { spec?: { holderIdentity?: string } }>(coreResources.leases, namespace, lease);
    const pod = got.spec?.holderIdentity?.split('_')[0];
    return pod === undefined || pod === '' ? undefined : pod;
  } catch {
    return undefined;
  }
}

/** Starts `kubectl port-forward <resource> :<port>` and resolves once it listens. */
export function startPortForward(target: PortForwardTarget, kubectl = process.env['KUBECTL'] ?? 'kubectl'): Promise<PortForward> {
  const args = [
    ...(target.kubeconfig ? ['--kubeconfig', target.kubeconfig] : []),
    ...(target.context ? ['--context', target.context] : []),
    'port-forward',
    '-n',
    target.namespace,
    target.resource,
    `:${target.port}`,
    '--address',
    '127.0.0.1',
  ];
  const child: ChildProcess = spawn(kubectl, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let stderr = '';
    const fail = (message: string): void => {
      child.kill();
      reject(new CliError(`kubectl port-forward to ${target.resource} in ${target.namespace} failed: ${message}`));
    };
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout?.on('data', (chunk: Buffer) => {
      const port = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(chunk.toString())?.[1];
      if (port !== undefined) resolve({ baseUrl: `https://127.0.0.1:${port}`, close: () => child.kill() });
    });
    child.on('error', (error) => fail(error.message));
    child.on('exit', (code) => fail(stderr.trim() || `exit ${String(code)}`));
  });
}
