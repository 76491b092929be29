/**
 * The presence HTTP endpoints of the controller, resolved against the running PresenceSyncs:
 *   GET  /presence/{namespace}/{name}/events   Server-Sent Events stream of Teams presence changes
 *   POST /pbx/{namespace}/{name}/events        PBX call-state events (PBX → Teams)
 * The stream takes `Authorization: Bearer <token>` with the token of `spec.stream.tokenSecretRef` (read), or of
 * `spec.pbxEvents.tokenSecretRef` when the object has no stream token (older objects); the PBX endpoint takes only the
 * `spec.pbxEvents.tokenSecretRef` token (write). Streams end when their token is rotated out or the object goes.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PresenceMetrics } from '../../pkg/presence/metrics.ts';
import { createPbxInboundHandler } from '../../pkg/presence/pbx-inbound.ts';
import { createPresenceSseHandler } from '../../pkg/presence/sse-server.ts';
import type { PresenceStreamLog } from '../../pkg/presence/stream-log.ts';
import type { Unavailable } from '../../pkg/presence/http-io.ts';
import type { PresenceRunnerRegistry } from './registry.ts';

/** The answer of a replica that does not run PresenceSyncs (standby, or not started yet): 503, try again soon. */
const NOT_SERVING: Unavailable = { message: 'This replica does not serve presence now; try again', retryAfterSeconds: 5 };

/** The answer for an object a new leader has not started yet, during its warm-up. */
const STARTING: Unavailable = { message: 'This replica is starting its presence streams; try again', retryAfterSeconds: 2 };

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
 * Gotchas: only the leader runs PresenceSyncs; other replicas answer 503 with Retry-After (EventSource and PBX clients
 * retry, and a Service spreading requests lands on the leader soon), never 403, which EventSource treats as final.
 */
export function createPresenceHttpHandler(options: PresenceHttpOptions): PresenceHttpHandler {
  const metrics = options.metrics === undefined ? {} : { metrics: options.metrics };
  const unavailable = (namespace: string, name: string): Unavailable | undefined => {
    if (!options.registry.serving) return NOT_SERVING;
    // Just after this replica became leader its runners are still starting: an object not running yet may only be
    // late, and a 403 now would make EventSource clients that fail over give up for good.
    return options.registry.get(`${namespace}/${name}`) === undefined && options.registry.warmingUp() ? STARTING : undefined;
  };
  const sse = createPresenceSseHandler({
    log: options.log,
    unavailable,
    resolve: (namespace, name) => options.registry.get(`${namespace}/${name}`)?.streamAccess(),
    ...(options.heartbeatMs === undefined ? {} : { heartbeatMs: options.heartbeatMs }),
    ...metrics,
  });
  const pbx = createPbxInboundHandler({
    unavailable,
    resolve: (namespace, name) => options.registry.get(`${namespace}/${name}`)?.pbxTarget(),
    ...metrics,
  });
  options.registry.onChange((key) => {
    const slash = key.indexOf('/');
    sse.revalidate(key.slice(0, slash), key.slice(slash + 1));
  });
  return {
    handle: (req, res) => sse.handle(req, res) || pbx.handle(req, res),
    clientCount: (stream) => sse.clientCount(stream),
    closeAll: () => sse.closeAll(),
  };
}
