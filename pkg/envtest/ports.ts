import { mkdirSync, openSync, closeSync, statSync, utimesSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** How long a port handed out stays reserved for its caller, in this and every other test process. */
const RESERVE_MS = 2 * 60_000;
const reservations = path.join(tmpdir(), 'tsc-ports');

/**
 * A free loopback port for a process that cannot bind port 0 itself (etcd, kube-apiserver, Prometheus). Between
 * this pick and that process's bind the kernel may hand the port out again, to the next pick above all; so, as
 * envtest's port suggester does, a pick is reserved for a while by a file every test process on this machine
 * checks, and a port reserved by another pick is skipped. A process that binds port 0 and reports its port needs none of this.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await kernelPickedPort();
    if (reserve(port)) return port;
  }
}

function kernelPickedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Takes the port's reservation file, or an expired one; false while another pick holds it. */
function reserve(port: number): boolean {
  mkdirSync(reservations, { recursive: true });
  const file = path.join(reservations, String(port));
  try {
    closeSync(openSync(file, 'wx'));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  if (Date.now() - statSync(file).mtimeMs < RESERVE_MS) return false;
  const now = new Date();
  utimesSync(file, now, now); // two processes renewing the same expired file at once is as rare as a reuse within 2 minutes
  return true;
}

/** Polls `probe` every intervalMs until it resolves true or timeoutMs passes. */
export async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs: number, intervalMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      if (await probe()) return;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  const detail = lastError instanceof Error ? `: ${lastError.message}` : '';
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`);
}
