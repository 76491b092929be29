import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ClusterConnection } from '../../../pkg/runtime/kubeconfig.ts';
import { connectionTo } from '../../harness/connection.ts';

/** What one watch connection does; `events` are written as JSON lines, then `end` decides the close. */
export interface WatchScript {
  readonly status?: number;
  readonly events?: readonly unknown[];
  /** 'close' ends the response; 'hang' keeps it open silently (until the client gives up). */
  readonly end?: 'close' | 'hang';
}

/**
 * A scripted stand-in for the apiserver's LIST and WATCH of one collection, for informer unit tests:
 * replays 410s, errors, silence and bookmarks deterministically. Not a fake apiserver: it knows nothing
 * but the answers it is given.
 */
export class ScriptedApiserver {
  readonly requests: URL[] = [];
  lists: Array<{ status?: number; items?: unknown[]; resourceVersion?: string }> = [];
  watches: WatchScript[] = [];
  private readonly server: Server;
  private readonly open = new Set<ServerResponse>();

  constructor() {
    this.server = createServer((req, res) => this.handle(req, res));
  }

  async start(): Promise<ClusterConnection> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    return connectionTo(`http://127.0.0.1:${port}`, 'scripted-token');
  }

  /** Watch requests seen so far (their query parameters). */
  watchRequests(): URLSearchParams[] {
    return this.requests.filter((u) => u.searchParams.get('watch') === 'true').map((u) => u.searchParams);
  }

  listRequests(): URLSearchParams[] {
    return this.requests.filter((u) => u.searchParams.get('watch') !== 'true').map((u) => u.searchParams);
  }

  async stop(): Promise<void> {
    for (const res of this.open) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://x');
    this.requests.push(url);
    if (url.searchParams.get('watch') === 'true') {
      this.watch(res);
      return;
    }
    const list = this.lists.shift() ?? { status: 500 };
    if (list.status && list.status !== 200) {
      json(res, list.status, { kind: 'Status', code: list.status, reason: 'InternalError' });
      return;
    }
    json(res, 200, { kind: 'ConfigMapList', metadata: { resourceVersion: list.resourceVersion ?? '1' }, items: list.items ?? [] });
  }

  private watch(res: ServerResponse): void {
    const script = this.watches.shift() ?? { end: 'hang' };
    if (script.status && script.status !== 200) {
      const reason = script.status === 410 ? 'Expired' : 'InternalError';
      json(res, script.status, { kind: 'Status', code: script.status, reason });
      return;
    }
    this.open.add(res);
    res.on('close', () => this.open.delete(res));
    res.writeHead(200, { 'content-type': 'application/json' });
    res.flushHeaders();
    for (const event of script.events ?? []) res.write(`${JSON.stringify(event)}\n`);
    if ((script.end ?? 'close') === 'close') res.end();
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** A ConfigMap-shaped object for scripts. */
export function cm(name: string, rv: string, data: Record<string, string> = {}): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'ns', resourceVersion: rv }, data };
}

/** Polls `check` until true or `timeoutMs`. */
export async function eventually(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
