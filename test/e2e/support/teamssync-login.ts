/**
 * Runs `teamssync-login` as an admin would (a child process with the admin's kubeconfig) and approves its
 * device code as `user` through the simulator's control API. Used by the e2e and deployed suites.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { RunningSimulator } from '../../../pkg/m365sim/index.ts';
import { eventually } from './teams-sync-env.ts';

const loginCommand = path.resolve(import.meta.dirname, '../../../cmd/teamssync-login/main.ts');

/** Where the login runs and whom the simulator signs in. */
export interface LoginRequest {
  readonly sim: RunningSimulator;
  readonly kubeconfig: string;
  readonly namespace: string;
  readonly tenant: string;
  /** The user who approves the device code. */
  readonly user: string;
  readonly extra?: readonly string[];
}

/** What the command printed and how it exited. */
export interface LoginResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the login to completion. */
export async function runLogin(req: LoginRequest): Promise<LoginResult> {
  const args = [
    loginCommand,
    '--kubeconfig',
    req.kubeconfig,
    '--namespace',
    req.namespace,
    '--tenant',
    req.tenant,
    '--graph-authority-host',
    req.sim.loginUrl,
    '--graph-base-url',
    req.sim.graphUrl,
    '--graph-ca-bundle',
    req.sim.caFile,
    ...(req.extra ?? []),
  ];
  // Generous deadlines: on a loaded 2-core machine the child's start (tsx, client-node, msal) alone can take tens of seconds.
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 180_000 });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
  let exited = false;
  void done.then(() => (exited = true));
  // A login that ends before asking (refused early, bad flags) is a result, not a missing prompt.
  const pending = await eventually('the device code prompt', () => req.sim.control.pendingDeviceCodes()[0] ?? (exited ? 'exited' : undefined), 120_000).catch(
    (error: unknown) => {
      throw new Error(`${(error as Error).message}; the login printed: ${stdout} ${stderr}`);
    },
  );
  if (pending !== 'exited') req.sim.control.approveDeviceCode(pending.userCode, req.user);
  return { code: await done, stdout, stderr };
}
