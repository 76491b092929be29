import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';

/** A simulator running in its own process (cmd/m365sim), driven through its HTTP control API. */
export interface SimProcess {
  readonly loginUrl: string;
  readonly graphUrl: string;
  readonly controlUrl: string;
  readonly caFile: string;
  /** Calls the control API (`/control/...` relative to controlUrl's origin); returns parsed JSON. */
  control<T = unknown>(method: string, controlPath: string, body?: unknown): Promise<T>;
  stop(): Promise<void>;
}

const repoRoot = path.resolve(import.meta.dirname, '../../../..');

/**
 * Starts `cmd/m365sim` as a child process. Why a separate process: the throttling checks compare arrival times
 * with the Retry-After the simulator gave; in one process the client's and the simulator's work share one event
 * loop, so a request sent before the client could see a 429 may only be processed by the simulator tens of ms later.
 */
export async function startSimProcess(args: string[] = []): Promise<SimProcess> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'cmd/m365sim/main.ts', ...args], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const first = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`m365sim exited early (${code})`)));
  });
  const info = JSON.parse(first) as { loginUrl: string; graphUrl: string; controlUrl: string; caFile: string };
  const origin = new URL(info.controlUrl).origin;
  return {
    ...info,
    async control<T>(method: string, controlPath: string, body?: unknown): Promise<T> {
      const res = await fetch(`${origin}${controlPath}`, {
        method,
        ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`control ${method} ${controlPath}: ${res.status} ${text}`);
      return (text === '' ? undefined : JSON.parse(text)) as T;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) {
          resolve();
          return;
        }
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
