/**
 * The presence HTTP endpoints of the controller, resolved against the running PresenceSyncs:
 *   GET  /presence/{namespace}/{name}/events   Server-Sent Events stream of Teams presence changes
 *   POST /pbx/{namespace}/{name}/events        PBX call-state events (PBX → Teams)
 * Both take `Authorization: Bearer <token>` with the token of `spec.pbxEvents.tokenSecretRef`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PresenceMetrics } from '../../pkg/presence/metrics.ts';
import { createPbxInboundHandler } from '../../pkg/presence/pbx-inbound.ts';
import { createPresenceSseHandler } from '../../pkg/presence/sse-server.ts';
import type { PresenceStreamLog } from '../../pkg/presence/stream-log.ts';
import type { PresenceRunnerRegistry } from './registry.ts';

/** Options of {@link createPresenceHttpHandler}. */
export interface PresenceHttpOptions {
  readonly log: PresenceStreamLog;
  readonly registry: PresenceRunnerRegistry;
  readonly metrics?: PresenceMetrics;
  /** Idle-stream heartbeat; default 15 s. */
  readonly heartbeatMs?: number;
}

/** The combined handler. */
export interface PresenceHttpHandler {
  /** Serves the request and returns true when the path is one of ours; false (untouched) otherwise. */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
  /** Connected SSE clients of a stream (`namespace/name`). */
  clientCount(stream: string): number;
  /** Ends every open SSE stream (shutdown, leadership lost); clients reconnect with their Last-Event-ID. */
  closeAll(): void;
}

/**
 * Creates the handler.
 *
 * When to use: once per process; cmd/controller mounts it on the presence port:
 *   `createServer((req, res) => handler.handle(req, res) || notFound(res))`.
 * Gotchas: only the leader runs PresenceSyncs, so on other replicas every known path answers 403 (as for an unknown
 * object); route the presence Service to the leader. The stream uses the PBX token because the API has no separate
 * stream token yet, so a TeamsToPbx-only object without `pbxEvents` has a stream nobody can read (use the webhook).
 */
export function createPresenceHttpHandler(options: PresenceHttpOptions): PresenceHttpHandler {
  const metrics = options.metrics === undefined ? {} : { metrics: options.metrics };
  const sse = createPresenceSseHandler({
    log: options.log,
    resolve: (namespace, name) => options.registry.get(`${namespace}/${name}`)?.streamAccess(),
    ...(options.heartbeatMs === undefined ? {} : { heartbeatMs: options.heartbeatMs }),
    ...metrics,
  });
  const pbx = createPbxInboundHandler({
    resolve: (namespace, name) => options.registry.get(`${namespace}/${name}`)?.pbxTarget(),
    ...metrics,
  });
  return {
    handle: (req, res) => sse.handle(req, res) || pbx.handle(req, res),
    clientCount: (stream) => sse.clientCount(stream),
    closeAll: () => sse.closeAll(),
  };
}
