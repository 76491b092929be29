/**
 * A container's memory limit for a process the harness starts: a memory cgroup of the Deployment's
 * `resources.limits.memory`, joined by the process before it execs, so it sees what it sees in its pod. This
 * matters beyond the OOM line: Node sizes V8's heap from the cgroup's limit (`process.constrainedMemory()`), so
 * under 768Mi the heap limit is ~450 MB and the old generation grows ~1.3x past what is live, while on a
 * 24 GiB host with no limit it is ~4.3 GB and grows ~4x. Peak RSS measured without the limit describes a
 * process nobody runs.
 *
 * Needs a writable memory controller (root on a cgroup v1 hierarchy, or cgroup v2 with the memory controller
 * delegated); where there is none the process runs without a limit and `description` says why, so a bench can
 * print under what its figures were taken.
 *
 *   const limit = await containerMemoryLimit(parseQuantity('768Mi'), 'daemon');
 *   const [command, args] = limit.wrap(process.execPath, ['main.js']);
 *   ... spawn(command, args) ...; after it exits: await limit.remove();
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Where a started process runs, memory-wise. */
export interface MemoryLimit {
  /** The limit in bytes when one is enforced, else undefined. */
  readonly bytes: number | undefined;
  /** For a reader of bench output: `768 MiB (cgroup v1 memory)` or why there is no limit. */
  readonly description: string;
  /** The command line that starts `command args` inside the limit (the same process: a shell that joins, then execs). */
  wrap(command: string, args: readonly string[]): [string, string[]];
  /** Removes the cgroup; call once every process started in it has exited (a cgroup with processes cannot go). */
  remove(): void;
}

const BINARY: Readonly<Record<string, number>> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };
const DECIMAL: Readonly<Record<string, number>> = { '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12 };

/** Bytes of a Kubernetes memory quantity (`768Mi`, `1G`, `536870912`); throws on anything else. */
export function parseQuantity(quantity: string): number {
  const match = /^([0-9]+(?:\.[0-9]+)?)([KMGT]i|[kMGT])?$/.exec(quantity.trim());
  const multiplier = match === null ? undefined : (BINARY[match[2] ?? ''] ?? DECIMAL[match[2] ?? '']);
  if (match === null || multiplier === undefined) throw new Error(`not a memory quantity the harness understands: ${quantity}`);
  return Math.round(Number(match[1]) * multiplier);
}

const unlimited = (reason: string): MemoryLimit => ({
  bytes: undefined,
  description: `no memory limit (${reason})`,
  wrap: (command, args) => [command, [...args]],
  remove: () => undefined,
});

let made = 0;

/**
 * A fresh cgroup limited to `bytes` (a new one per call, removed by `remove`), or no limit when `bytes` is
 * undefined or this host gives no writable memory controller.
 */
export function containerMemoryLimit(bytes: number | undefined, name: string): MemoryLimit {
  if (bytes === undefined) return unlimited('the container sets none');
  const leaf = `teams-sync-${name}-${process.pid}-${++made}`;
  const candidates = cgroupCandidates(leaf);
  const reasons: string[] = [];
  for (const candidate of candidates) {
    try {
      mkdirSync(candidate.dir);
    } catch (error) {
      reasons.push(`${candidate.dir}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
      continue;
    }
    const procs = path.join(candidate.dir, 'cgroup.procs');
    try {
      writeFileSync(path.join(candidate.dir, candidate.limitFile), String(bytes));
      // A process must be able to join before anything is started in it: a shell that joins and exits.
      const probe = spawnSync('/bin/sh', ['-c', 'echo $$ > "$0"', procs], { stdio: 'ignore' });
      if (probe.status !== 0) throw new Error('a process could not join it');
    } catch (error) {
      reasons.push(`${candidate.dir}: ${error instanceof Error ? error.message : String(error)}`);
      rmdirQuietly(candidate.dir);
      continue;
    }
    return {
      bytes,
      description: `${(bytes / 2 ** 20).toFixed(0)} MiB (${candidate.kind} memory cgroup, the container's limit)`,
      // `$0` is the cgroup's procs file, `$@` the command: the shell's pid joins, then becomes the command.
      wrap: (command, args) => ['/bin/sh', ['-c', 'echo $$ > "$0" && exec "$@"', procs, command, ...args]],
      remove: () => rmdirQuietly(candidate.dir),
    };
  }
  return unlimited(candidates.length === 0 ? 'no memory cgroup controller mounted' : `cannot make a memory cgroup: ${reasons.join('; ')}`);
}

interface CgroupCandidate {
  readonly kind: 'v1' | 'v2';
  readonly dir: string;
  readonly limitFile: string;
}

/** Where a child cgroup could go: under this process's own v1 memory cgroup, else at the v2 root (no internal-process rule there). */
function cgroupCandidates(leaf: string): CgroupCandidate[] {
  const out: CgroupCandidate[] = [];
  const own = readOwnCgroups();
  const v1Root = '/sys/fs/cgroup/memory';
  if (existsSync(path.join(v1Root, 'memory.limit_in_bytes'))) {
    const ownPath = own.get('memory') ?? '/';
    const nested = path.join(v1Root, ownPath);
    out.push({ kind: 'v1', dir: path.join(existsSync(nested) ? nested : v1Root, leaf), limitFile: 'memory.limit_in_bytes' });
  }
  const v2Root = '/sys/fs/cgroup';
  const controllers = readQuietly(path.join(v2Root, 'cgroup.controllers'));
  if (controllers?.split(/\s+/).includes('memory') === true) out.push({ kind: 'v2', dir: path.join(v2Root, leaf), limitFile: 'memory.max' });
  return out;
}

/** This process's cgroup per v1 controller (`memory` → `/a/b`), from /proc/self/cgroup. */
function readOwnCgroups(): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of (readQuietly('/proc/self/cgroup') ?? '').split('\n')) {
    const [, controllers = '', cgroupPath = ''] = line.split(':');
    for (const controller of controllers.split(',')) if (controller !== '') out.set(controller, cgroupPath);
  }
  return out;
}

function readQuietly(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function rmdirQuietly(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // still has a process (a stray child) or already gone: an empty cgroup left behind costs nothing
  }
}
