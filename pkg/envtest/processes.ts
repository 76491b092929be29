import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';

/** A child process whose output goes to a log file, killed for sure when the harness exits. */
export interface ManagedProcess {
  readonly name: string;
  readonly logPath: string;
  readonly child: ChildProcess;
  /** Resolves when the process has exited (by itself or through `stop`). */
  readonly exited: Promise<void>;
  stop(timeoutMs?: number): Promise<void>;
  tail(lines?: number): Promise<string>;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // NOTE: the 'exit' handler must be synchronous; SIGKILL is the only thing that can still be done.
  process.on('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      for (const child of live) child.kill('SIGKILL');
      process.exit(130);
    });
  }
}

/** How to start a process beyond its command line. */
export interface StartOptions {
  /** The whole environment of the child (default: this process's). */
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Called with every line the child writes to stdout or stderr. */
  readonly onLine?: (line: string) => void;
}

/** Starts `command args`, logging stdout and stderr to logPath. */
export function startProcess(name: string, command: string, args: string[], logPath: string, options: StartOptions = {}): ManagedProcess {
  installExitHook();
  const log = createWriteStream(logPath, { flags: 'a' });
  const child = spawn(command, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.env === undefined ? {} : { env: options.env }),
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
  });
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  const onLine = options.onLine;
  if (onLine !== undefined) {
    for (const stream of [child.stdout, child.stderr]) createInterface({ input: stream, crlfDelay: Infinity }).on('line', onLine);
  }
  live.add(child);
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      live.delete(child);
      resolve();
    });
  });
  return {
    name,
    logPath,
    child,
    exited,
    async stop(timeoutMs = 20_000) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
        await exited;
        clearTimeout(timer);
      }
      log.end();
    },
    async tail(lines = 30) {
      const text = await readFile(logPath, 'utf8').catch(() => '');
      return text.split('\n').slice(-lines).join('\n');
    },
  };
}
