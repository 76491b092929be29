/**
 * The last check of a test run (test/run.ts): after every suite ran against the shared control
 * plane, every Event and every status of the project's custom resources, in every namespace, is
 * scanned for the secret values the tests used (the constants the test sources declare for app
 * secrets, PBX tokens, HMAC keys, passwords), for JWTs (access and ServiceAccount tokens) and for
 * private-key PEMs. Secrets belong in Secrets only; anything found here is a leak into what every
 * reader of the cluster sees. Test namespaces are never garbage collected on the test control plane
 * (no kube-controller-manager), so what the suites wrote is all still there.
 */
import { spawn } from 'node:child_process';
import { globSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** What the scan found. */
export interface LeakScan {
  readonly objects: number;
  readonly secrets: number;
  readonly findings: readonly string[];
}

const KINDS = [
  'events.events.k8s.io',
  'teamstenants.teamssync.io',
  'userlicensemappings.teamssync.io',
  'presencesyncs.teamssync.io',
  'teamssyncs.teamssync.io',
];
const DECLARED = /\bconst [A-Z_]*(?:SECRET|TOKEN|PASSWORD|KEY)[A-Z_]* = '([^']{10,})'/g;
const JWT = /eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]+/;
const PRIVATE_KEY = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;

/** The secret values the test sources declare (`const APP_SECRET = '...'` and the like). */
export function declaredTestSecrets(repoRoot: string): string[] {
  const found = new Set<string>();
  for (const file of globSync(['test/**/*.ts', 'pkg/envtest/**/*.ts', 'cmd/demo/**/*.ts'], { cwd: repoRoot })) {
    for (const match of readFileSync(path.join(repoRoot, file), 'utf8').matchAll(DECLARED)) if (match[1] !== undefined) found.add(match[1]);
  }
  return [...found];
}

/** Where a text shows a secret, as a short description (never the value itself). */
export function leaksIn(text: string, secrets: readonly string[]): string[] {
  const found: string[] = [];
  if (JWT.test(text)) found.push('a JWT');
  if (PRIVATE_KEY.test(text)) found.push('a private key');
  const declared = secrets.filter((s) => text.includes(s)).length;
  if (declared > 0) found.push(`${declared} secret value(s) declared by the tests`);
  return found;
}

interface Listed {
  readonly items?: readonly {
    readonly kind?: string;
    readonly metadata?: { readonly namespace?: string; readonly name?: string };
    readonly status?: unknown;
    readonly note?: string;
    readonly message?: string;
  }[];
}

/** Scans the control plane behind `kubeconfig` with `kubectl`. */
export async function scanClusterForLeaks(kubectl: string, kubeconfig: string, repoRoot: string): Promise<LeakScan> {
  const secrets = declaredTestSecrets(repoRoot);
  const findings: string[] = [];
  let objects = 0;
  for (const kind of KINDS) {
    const listed = JSON.parse(await run(kubectl, ['--kubeconfig', kubeconfig, 'get', kind, '--all-namespaces', '-o', 'json'])) as Listed;
    for (const item of listed.items ?? []) {
      objects++;
      // An Event's words, a custom resource's status: what the controller wrote (specs hold only references).
      const text = JSON.stringify(item.kind === 'Event' ? { note: item.note, message: item.message } : (item.status ?? {}));
      for (const leak of leaksIn(text, secrets)) findings.push(`${kind} ${item.metadata?.namespace ?? ''}/${item.metadata?.name ?? ''}: ${leak}`);
    }
  }
  return { objects, secrets: secrets.length, findings };
}

function run(binary: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`kubectl ${args.slice(2).join(' ')}: ${err.trim()}`))));
  });
}
