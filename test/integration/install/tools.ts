/**
 * What the install tests run besides kubectl: helm (built from Go modules by tools/build-helm.sh)
 * and the prometheus-operator CRDs (tools/fetch-prometheus-operator-crds.sh), both linked under
 * .tools/ by tools/bootstrap.sh, plus helpers to render and dry-run manifests.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sleep } from '../../../pkg/runtime/clock.ts';
import type { TestContext } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { apiRequest } from '../../../pkg/envtest/https-json.ts';
import { apiserverEndpoint, kubectl, type KubectlResult } from '../../harness/kube.ts';

export const repoRoot = path.resolve(import.meta.dirname, '..', '..', '..');
export const chartPath = path.join(repoRoot, 'charts', 'teams-sync-controller');

/** A rendered Kubernetes object (only what the tests read is typed). */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

function bootstrapped(link: string, what: string): string {
  const dir = path.join(repoRoot, '.tools', link);
  if (!existsSync(dir)) throw new Error(`${what} is missing: run tools/bootstrap.sh (it links .tools/${link})`);
  return dir;
}

/** Runs helm with its config, cache and data directories in a temp dir that `t` removes. */
export async function helm(t: TestContext, args: string[]): Promise<KubectlResult> {
  const binary = path.join(bootstrapped('helm', 'helm'), 'helm');
  const home = await mkdtemp(path.join(tmpdir(), 'tsc-helm-'));
  t.after(() => rm(home, { recursive: true, force: true }));
  const env = {
    ...process.env,
    HELM_CONFIG_HOME: path.join(home, 'config'),
    HELM_CACHE_HOME: path.join(home, 'cache'),
    HELM_DATA_HOME: path.join(home, 'data'),
  };
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** Fails with the command's output unless it exited 0; returns stdout. */
export function ok(result: KubectlResult, what: string): string {
  if (result.code !== 0) throw new Error(`${what} exited ${result.code}:\n${result.stderr}${result.stdout}`);
  return result.stdout;
}

/** Every object of a multi-document YAML stream. */
export function objectsOf(yaml: string): K8sObject[] {
  return parseAllDocuments(yaml)
    .map((d) => d.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o?.kind !== undefined);
}

/** Installs the ServiceMonitor and PrometheusRule CRDs (server-side apply: idempotent) and waits until they are served. */
export async function installPrometheusOperatorCrds(): Promise<void> {
  const dir = bootstrapped('prometheus-operator-crds', 'the prometheus-operator CRDs');
  const files = (await readdir(dir)).filter((f) => f.endsWith('.yaml')).sort();
  for (const file of files) ok(await kubectl(['apply', '--server-side', '--force-conflicts', '-f', path.join(dir, file)]), `kubectl apply ${file}`);
  for (const crd of ['servicemonitors.monitoring.coreos.com', 'prometheusrules.monitoring.coreos.com']) await waitEstablished(crd);
}

/**
 * Polls until the CRD's Established condition is True (at most 120 s). Not `kubectl wait --for=condition=Established`:
 * for a CRD created a moment ago whose status has no conditions yet, kubectl wait fails at once with ".status.conditions
 * accessor error: <nil> is of the type <nil>" instead of waiting (seen in CI).
 */
async function waitEstablished(crd: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  const established = '{.status.conditions[?(@.type=="Established")].status}';
  for (;;) {
    const status = ok(await kubectl(['get', `crd/${crd}`, '-o', `jsonpath=${established}`]), `kubectl get crd/${crd}`).trim();
    if (status === 'True') return;
    if (Date.now() > deadline) throw new Error(`crd/${crd} not Established after 120 s (Established: ${status || 'no condition yet'})`);
    await sleep(100, undefined, { unref: false });
  }
}

/** `kubectl apply --dry-run=server` of a YAML stream; returns the lines kubectl printed. */
export async function dryRunApply(yaml: string): Promise<string[]> {
  const out = ok(await kubectl(['apply', '--dry-run=server', '-f', '-'], { stdin: yaml, timeoutMs: 120_000 }), 'kubectl apply --dry-run=server');
  return out.trim().split('\n');
}

/** What a SubjectAccessReview asks about. `namespace` undefined = all namespaces. */
export interface AccessQuestion {
  readonly verb: string;
  readonly group: string;
  readonly resource: string;
  readonly subresource?: string;
  readonly name?: string;
  readonly namespace?: string;
}

/**
 * Asks the apiserver's authorizer whether a ServiceAccount may do something (what
 * `kubectl auth can-i --as` answers), with the groups a real ServiceAccount token carries.
 */
export async function serviceAccountCan(namespace: string, name: string, q: AccessQuestion): Promise<boolean> {
  const review = {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SubjectAccessReview',
    spec: {
      user: `system:serviceaccount:${namespace}:${name}`,
      groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'],
      resourceAttributes: {
        verb: q.verb,
        group: q.group,
        resource: q.resource,
        ...(q.subresource ? { subresource: q.subresource } : {}),
        ...(q.name ? { name: q.name } : {}),
        ...(q.namespace ? { namespace: q.namespace } : {}),
      },
    },
  };
  const res = await apiRequest(apiserverEndpoint(), 'POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', review);
  if (res.status !== 201) throw new Error(`SubjectAccessReview: ${res.status} ${JSON.stringify(res.body)}`);
  return (res.body as { status?: { allowed?: boolean } }).status?.allowed === true;
}
