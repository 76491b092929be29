/**
 * PresenceSync status: who is tracked, how polling goes, and what was published.
 * Counters are totals since the controller took over the object (they restart with a new leader).
 */
import { Type, type Static } from '@sinclair/typebox';
import { ConditionsSchema, Count, Email, ObservedGeneration, Text, Timestamp } from './common.ts';
import { DurationPattern } from './duration.ts';

const StreamStateSchema = Type.Object(
  {
    lastEventId: Type.Optional(Text('Id of the newest event in the stream log.', 64)),
    oldestEventId: Type.Optional(Text('Id of the oldest event still retained (resume point bound).', 64)),
    connectedClients: Type.Optional(Count('Stream clients connected to the leader.', 100_000)),
  },
  { description: 'Server-Sent Events stream state.', additionalProperties: false },
);

const WebhookStateSchema = Type.Object(
  {
    lastDeliveryTime: Type.Optional(Timestamp('When a delivery last succeeded.')),
    pendingDeliveries: Type.Optional(Count('Updates waiting to be delivered.')),
    lastError: Type.Optional(Text('Last delivery error (no secrets, no signatures).', 1024)),
  },
  { description: 'Webhook sink state.', additionalProperties: false },
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
    lastPollTime: Type.Optional(Timestamp('When the last poll cycle finished.')),
    lastPollDurationMs: Type.Optional(Count('How long the last poll cycle took, in milliseconds.')),
    updatesPublished: Type.Optional(Count('Presence changes published since the controller took over.', Number.MAX_SAFE_INTEGER)),
    activeCallSessions: Type.Optional(Count('PBX calls currently shown in Teams (PBX → Teams).', 1_000_000)),
    stream: Type.Optional(StreamStateSchema),
    webhook: Type.Optional(WebhookStateSchema),
  },
  { description: 'Observed state of a PresenceSync.', additionalProperties: false },
);

/** `PresenceSync.status`. */
export type PresenceSyncStatus = Static<typeof PresenceSyncStatusSchema>;
