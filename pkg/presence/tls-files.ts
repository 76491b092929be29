/**
 * A TLS certificate and key read from files and read again when they change, so a Secret mounted as a volume
 * (cert-manager writes `tls.crt` and `tls.key`) is rotated without restarting the daemon.
 *
 * Changes are noticed by watching the files' directory (kubelet swaps a `..data` symlink there) and, because
 * watches miss events on some volume types, by re-reading on a fixed interval; only a changed pair is applied.
 */
import { createHash } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createSecureContext } from 'node:tls';
import { Redacted } from '../graph/redacted.ts';

/** A certificate chain and its private key, PEM; the key prints as `<redacted>` until revealed for the TLS context. */
export interface TlsPair {
  readonly cert: string;
  readonly key: Redacted;
}

/** Options of {@link watchTlsFiles}. */
export interface TlsFilesOptions {
  readonly certFile: string;
  readonly keyFile: string;
  /** Re-read interval; default 10 s. */
  readonly intervalMs?: number;
  /** Called with every new, valid pair after the first. */
  readonly onChange: (pair: TlsPair) => void;
  /** Called when a changed pair cannot be used (half-written, key does not match); the previous pair stays. */
  readonly onError?: (reason: string) => void;
}

/** A running watch. */
export interface TlsFilesWatch {
  /** The pair in use. */
  readonly current: TlsPair;
  stop(): void;
}

/** Reads and checks a pair; throws with a short reason (file names only, never content). */
async function readTlsPair(certFile: string, keyFile: string): Promise<TlsPair> {
  const [cert, key] = await Promise.all([readFile(certFile, 'utf8'), readFile(keyFile, 'utf8')]);
  try {
    createSecureContext({ cert, key });
  } catch {
    throw new Error(`the certificate ${path.basename(certFile)} and key ${path.basename(keyFile)} are not a usable pair`);
  }
  return { cert, key: Redacted.of(key) };
}

function fingerprint(pair: TlsPair): string {
  return createHash('sha256').update(pair.cert).update('\0').update(pair.key.reveal()).digest('hex');
}

/**
 * Reads the pair (throws when it is missing or unusable: the daemon must not start without its certificate), then
 * keeps watching it.
 *
 * When to use: once per TLS listener; pass `onChange` to `server.setSecureContext`.
 * Gotchas: a bad pair after start-up is reported through `onError` and skipped, so a half-finished rotation never
 * takes the listener down; the next good pair is applied.
 */
export async function watchTlsFiles(options: TlsFilesOptions): Promise<TlsFilesWatch> {
  let current = await readTlsPair(options.certFile, options.keyFile);
  let seen = fingerprint(current);
  let checking = false;
  let stopped = false;
  const check = async (): Promise<void> => {
    if (checking || stopped) return;
    checking = true;
    try {
      const pair = await readTlsPair(options.certFile, options.keyFile);
      const next = fingerprint(pair);
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- stop() may run while the files are read
      if (next !== seen && !stopped) {
        seen = next;
        current = pair;
        options.onChange(pair);
      }
    } catch (error) {
      options.onError?.(error instanceof Error && error.message.startsWith('the certificate') ? error.message : 'the certificate or key file cannot be read');
    } finally {
      checking = false;
    }
  };
  const timer = setInterval(() => void check(), options.intervalMs ?? 10_000);
  timer.unref();
  const watchers: FSWatcher[] = [];
  for (const dir of new Set([path.dirname(options.certFile), path.dirname(options.keyFile)])) {
    try {
      const watcher = watch(dir, () => void check());
      watcher.on('error', () => watcher.close());
      watcher.unref();
      watchers.push(watcher);
    } catch {
      // No watch support on this volume: the interval still notices changes.
    }
  }
  return {
    get current() {
      return current;
    },
    stop() {
      stopped = true;
      clearInterval(timer);
      for (const watcher of watchers) watcher.close();
    },
  };
}
