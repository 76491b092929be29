/**
 * PresenceSync status: who is tracked, how polling is set up, and the conditions. It changes only when a condition or
 * one of these facts changes; per-cycle figures (poll times, counters, stream ids, clients, calls) are Prometheus
 * metrics (docs/design/presence.md, Metrics). The fields that held them stay in the schema, deprecated and never
 * written, so objects an older controller stored still validate; the controller's next status write removes them.
 */
import { Type, type Static } from '@sinclair/typebox';
import { ConditionsSchema, Count, Email, ObservedGeneration, Text, Timestamp } from './common.ts';
import { DurationPattern } from './duration.ts';

const StreamStateSchema = Type.Object(
  {
    lastEventId: Type.Optional(Text('Deprecated, no longer written: metric presence_stream_head_event_id.', 64)),
    oldestEventId: Type.Optional(Text('Deprecated, no longer written: SSE reset events carry the oldest retained id.', 64)),
    connectedClients: Type.Optional(Count('Deprecated, no longer written: metric presence_stream_clients.', 100_000)),
  },
  { description: 'Deprecated, no longer written (per-cycle figures are metrics).', additionalProperties: false },
);

const WebhookStateSchema = Type.Object(
  {
    lastDeliveryTime: Type.Optional(Timestamp('Deprecated, no longer written: metric presence_webhook_last_delivery_timestamp_seconds.')),
    pendingDeliveries: Type.Optional(Count('Deprecated, no longer written.')),
    lastError: Type.Optional(Text('Last delivery error while deliveries keep failing (WebhookFailing); no secrets, no signatures.', 1024)),
  },
  { description: 'Webhook sink state: present only while deliveries keep failing.', additionalProperties: false },
);

/** Schema of `PresenceSync.status`. */
export const PresenceSyncStatusSchema = Type.Object(
  {
    observedGeneration: ObservedGeneration(),
    conditions: Type.Optional(ConditionsSchema),
    usersTracked: Type.Optional(Count('Users whose presence is synced (matched to a Teams user).')),
    usersUnmatched: Type.Optional(Count('Selected PBX users whose e-mail matches no Teams user.')),
    unmatchedSample: Type.Optional(
      Type.Array(Email('Unmatched PBX user e-mail.'), {
        description: 'Up to 20 unmatched PBX users, sorted, to start troubleshooting.',
        maxItems: 20,
      }),
    ),
    effectivePollInterval: Type.Optional(
      Type.String({ description: 'Poll cycle in effect; longer than spec.pollInterval when Graph limits require.', pattern: DurationPattern, maxLength: 32 }),
    ),
    graphCallsPerCycle: Type.Optional(Count('getPresencesByUserId calls per cycle (ceil(users / 650)).', 100_000)),
    lastPollTime: Type.Optional(Timestamp('Deprecated, no longer written: metric presence_last_successful_poll_timestamp_seconds.')),
    lastPollDurationMs: Type.Optional(Count('Deprecated, no longer written: metric presence_poll_duration_seconds.')),
    updatesPublished: Type.Optional(Count('Deprecated, no longer written: metric presence_updates_published_total.', Number.MAX_SAFE_INTEGER)),
    activeCallSessions: Type.Optional(Count('Deprecated, no longer written: metric presence_call_sessions_active.', 1_000_000)),
    stream: Type.Optional(StreamStateSchema),
    webhook: Type.Optional(WebhookStateSchema),
  },
  { description: 'Observed state of a PresenceSync.', additionalProperties: false },
);

/** `PresenceSync.status`. */
export type PresenceSyncStatus = Static<typeof PresenceSyncStatusSchema>;
