/**
 * Prometheus metrics of the presence pipeline. Every series carries `sync` ("namespace/name" of the PresenceSync)
 * so several PresenceSyncs in one controller stay distinguishable; label values are bounded (results and PBX states
 * come from fixed lists, never from request input). A `sync` label is only set once the request was authenticated
 * for that PresenceSync; refusals are counted without it (see `httpRefused`).
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Why a presence HTTP request was refused, for `presence_http_refused_total{reason}` (a fixed list). */
export type HttpRefusalReason =
  'unauthorized' | 'forbidden' | 'methodNotAllowed' | 'unsupportedMediaType' | 'tooLarge' | 'badRequest' | 'tooManyClients' | 'notServing';

/** The metric handles; see {@link createPresenceMetrics}. */
export interface PresenceMetrics {
  readonly pollDuration: Histogram<'sync'>;
  readonly lastSuccessfulPoll: Gauge<'sync'>;
  readonly pollInterval: Gauge<'sync'>;
  readonly updatesPublished: Counter<'sync'>;
  readonly usersTracked: Gauge<'sync'>;
  readonly usersUnmatched: Gauge<'sync'>;
  readonly streamClients: Gauge<'sync'>;
  /** Id (within the log's epoch) of the newest event of the stream; was `status.stream.lastEventId`. */
  readonly streamHeadEventId: Gauge<'sync'>;
  /** PBX calls currently shown in Teams; was `status.activeCallSessions`. */
  readonly activeCallSessions: Gauge<'sync'>;
  /** Unix time of the last acknowledged webhook delivery; was `status.webhook.lastDeliveryTime`. */
  readonly webhookLastDelivery: Gauge<'sync'>;
  readonly webhookDeliveries: Counter<'sync' | 'result'>;
  readonly pbxEvents: Counter<'sync' | 'state'>;
  /**
   * Refused requests by endpoint and reason. No `sync` label: a refused request may name any path, and labels must
   * never come from unauthenticated input (each distinct path would be a new series).
   */
  readonly httpRefused: Counter<'endpoint' | 'reason'>;
}

/**
 * Creates and registers the presence metrics on `registry`.
 *
 * When to use: once per registry at start-up; pass the result to the poller, SSE handler, webhook sink and PBX
 * inbound handler.
 * Gotchas: prom-client throws if the same names are registered twice on one registry; use a fresh Registry in tests.
 */
export function createPresenceMetrics(registry: Registry): PresenceMetrics {
  const registers = [registry];
  return {
    pollDuration: new Histogram({
      name: 'presence_poll_duration_seconds',
      help: 'Duration of one Teams presence poll cycle (all getPresencesByUserId calls of the cycle).',
      labelNames: ['sync'],
      buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40, 80],
      registers,
    }),
    // The pair behind the TeamsPresenceStale alert (config/prometheus): stale = no successful poll for 3 intervals.
    lastSuccessfulPoll: new Gauge({
      name: 'presence_last_successful_poll_timestamp_seconds',
      help: 'Unix time the last poll cycle with no failed call started (or polling started, before the first one).',
      labelNames: ['sync'],
      registers,
    }),
    pollInterval: new Gauge({
      name: 'presence_poll_interval_seconds',
      help: 'Effective presence poll interval (the configured one, lengthened when the Graph budget requires).',
      labelNames: ['sync'],
      registers,
    }),
    updatesPublished: new Counter({
      name: 'presence_updates_published_total',
      help: 'User presence changes appended to the presence stream.',
      labelNames: ['sync'],
      registers,
    }),
    usersTracked: new Gauge({ name: 'presence_users_tracked', help: 'PBX users matched to a Microsoft 365 user and polled.', labelNames: ['sync'], registers }),
    usersUnmatched: new Gauge({
      name: 'presence_users_unmatched',
      help: 'PBX users whose e-mail matches no Microsoft 365 user.',
      labelNames: ['sync'],
      registers,
    }),
    streamClients: new Gauge({
      name: 'presence_stream_clients',
      help: 'Connected Server-Sent Events clients of the presence stream.',
      labelNames: ['sync'],
      registers,
    }),
    streamHeadEventId: new Gauge({
      name: 'presence_stream_head_event_id',
      help: 'Id of the newest event in the presence stream log (the number after the epoch in SSE ids).',
      labelNames: ['sync'],
      registers,
    }),
    activeCallSessions: new Gauge({
      name: 'presence_call_sessions_active',
      help: 'PBX calls currently shown in Teams as Busy/InACall (PBX to Teams).',
      labelNames: ['sync'],
      registers,
    }),
    webhookLastDelivery: new Gauge({
      name: 'presence_webhook_last_delivery_timestamp_seconds',
      help: 'Unix time the PBX last acknowledged a webhook delivery.',
      labelNames: ['sync'],
      registers,
    }),
    webhookDeliveries: new Counter({
      name: 'presence_webhook_deliveries_total',
      help: 'Webhook delivery attempts to the PBX by result (delivered, retried, rejected).',
      labelNames: ['sync', 'result'],
      registers,
    }),
    pbxEvents: new Counter({
      name: 'presence_pbx_events_total',
      help: 'Call-state events received from the PBX by state ("invalid" for refused input).',
      labelNames: ['sync', 'state'],
      registers,
    }),
    httpRefused: new Counter({
      name: 'presence_http_refused_total',
      help: 'Requests to the presence stream and PBX events endpoints refused before they were served, by endpoint and reason.',
      labelNames: ['endpoint', 'reason'],
      registers,
    }),
  };
}
