/**
 * pkg/presence's Graph ports implemented over pkg/graph: bulk presence reads for the poller, application-session
 * writes for the PBX → Teams call sessions, and the tenant's user list (id + userPrincipName) for matching.
 */
import { isGraphError, type DeltaTokenStore, type GraphTenantClient } from '../../pkg/graph/index.ts';
import type { PresenceReader, PresenceWriter } from '../../pkg/presence/ports.ts';
import type { M365UserRef } from '../../pkg/presence/user-matching.ts';

/** Both presence ports of one PresenceSync. */
export type GraphPresencePorts = PresenceReader & PresenceWriter;

/**
 * Binds the presence ports to whatever tenant client is current.
 *
 * When to use: once per PresenceSync runner; `current` is read on every call, so a client replaced after a credential
 * rotation (GraphClientFactory closes the old one) is picked up without restarting the poller.
 * Gotchas: a 404 from `clearPresence` means the session is already gone, which is what we wanted: it resolves.
 * `mayWrite` runs right before each write and throws when this process may not write (leadership fence): call
 * sessions run on timers, outside any reconcile's signal.
 */
export function createGraphPresencePorts(current: () => GraphTenantClient, mayWrite: () => void = () => undefined): GraphPresencePorts {
  return {
    getPresencesByUserId: (ids) => current().presence.getPresencesByUserId(ids),
    async setPresence(teamsUserId, request) {
      mayWrite();
      await current().presence.setPresence(teamsUserId, {
        availability: request.availability,
        activity: request.activity,
        expirationDuration: request.expirationDuration,
        sessionId: request.sessionId,
      });
    },
    async clearPresence(teamsUserId, sessionId) {
      mayWrite();
      try {
        await current().presence.clearPresence(teamsUserId, { sessionId });
      } catch (error) {
        if (!isGraphError(error, 'NotFound')) throw error;
      }
    },
  };
}

/** What one users delta round changed. */
export interface UserDeltaResult {
  /** True for a full read (first round, or the stored link expired): replace everything known. */
  readonly full: boolean;
  readonly upserts: readonly Partial<M365UserRef>[];
  readonly removedIds: readonly string[];
}

/**
 * Runs one `/users/delta` round selecting only `id,userPrincipalName`.
 *
 * Gotchas: incremental rounds may name a user without `userPrincipalName` (only changed properties are sent); the
 * caller keeps the UPN it already knows then. The round must be consumed to its end to store the new link.
 */
export async function readUserDelta(client: GraphTenantClient, store: DeltaTokenStore, key: string, signal?: AbortSignal): Promise<UserDeltaResult> {
  let full = false;
  const upserts: Partial<M365UserRef>[] = [];
  const removedIds: string[] = [];
  const rounds = client.users.usersDelta(store, key, { select: 'id,userPrincipalName', ...(signal === undefined ? {} : { signal }) });
  for await (const page of rounds) {
    if (page.mode !== 'incremental' && !full) {
      // A resync restarts the round: what the earlier pages of this round said is superseded.
      full = true;
      upserts.length = 0;
      removedIds.length = 0;
    }
    for (const user of page.upserts) {
      upserts.push(user.userPrincipalName === undefined || user.userPrincipalName === null ? { id: user.id } : { id: user.id, userPrincipalName: user.userPrincipalName });
    }
    for (const removed of page.removed) removedIds.push(removed.id);
  }
  return { full, upserts, removedIds };
}
