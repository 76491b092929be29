/**
 * What the PresenceSync controller needs from Microsoft 365, as one port: the tenant's users (id + userPrincipalName,
 * read with `/users/delta`) for matching, bulk presence reads for the poller, and application-session presence writes
 * for the PBX → Teams call sessions. Implemented here over pkg/graph's GraphTenantClient; tests use a fake.
 */
import { isGraphError, type DeltaTokenStore, type GraphTenantClient } from '../../pkg/graph/index.ts';
import type { PresenceReader, PresenceWriter } from '../../pkg/presence/ports.ts';
import type { M365UserRef } from '../../pkg/presence/user-matching.ts';

/** What one users delta round changed. */
export interface UserDeltaResult {
  /** True for a full read (first round, or the stored link expired): replace everything known. */
  readonly full: boolean;
  readonly upserts: readonly Partial<M365UserRef>[];
  readonly removedIds: readonly string[];
}

/**
 * One tenant's Microsoft 365, as PresenceSync uses it (pkg/presence's reader and writer ports plus the user list).
 *
 * Gotchas: `clearPresence` resolves when the session is already gone (404), which is what was wanted.
 */
export interface PresenceGraph extends PresenceReader, PresenceWriter {
  /** The application (client) id: Graph accepts only it as the presence session id. */
  readonly appId: string;
  /**
   * Runs one `/users/delta` round selecting only `id,userPrincipalName`, resuming from the link stored under `key`.
   * Incremental rounds may name a user without `userPrincipalName` (only changed properties are sent).
   */
  readUserDelta(links: DeltaTokenStore, key: string, signal?: AbortSignal): Promise<UserDeltaResult>;
}

/**
 * The port over a tenant client.
 *
 * When to use: by the registration, once per reconcile (the factory's client is cached per tenant and credentials).
 * Gotchas: `mayWrite` runs right before each presence write and throws when this process may not write (leadership
 * fence): call sessions run on timers, outside any reconcile's signal.
 */
export function graphPresencePort(client: GraphTenantClient, mayWrite: () => void = () => undefined): PresenceGraph {
  return {
    appId: client.clientId,
    getPresencesByUserId: (ids) => client.presence.getPresencesByUserId(ids),
    async setPresence(teamsUserId, request) {
      mayWrite();
      await client.presence.setPresence(teamsUserId, {
        availability: request.availability,
        activity: request.activity,
        expirationDuration: request.expirationDuration,
        sessionId: request.sessionId,
      });
    },
    async clearPresence(teamsUserId, sessionId) {
      mayWrite();
      try {
        await client.presence.clearPresence(teamsUserId, { sessionId });
      } catch (error) {
        if (!isGraphError(error, 'NotFound')) throw error;
      }
    },
    readUserDelta: (links, key, signal) => readUserDelta(client, links, key, signal),
  };
}

async function readUserDelta(client: GraphTenantClient, store: DeltaTokenStore, key: string, signal?: AbortSignal): Promise<UserDeltaResult> {
  let full = false;
  const upserts: Partial<M365UserRef>[] = [];
  const removedIds: string[] = [];
  // The round must be consumed to its end to store the new link.
  const rounds = client.users.usersDelta(store, key, { select: 'id,userPrincipalName', ...(signal === undefined ? {} : { signal }) });
  for await (const page of rounds) {
    if (page.mode !== 'incremental' && !full) {
      // A resync restarts the round: what the earlier pages of this round said is superseded.
      full = true;
      upserts.length = 0;
      removedIds.length = 0;
    }
    for (const user of page.upserts) {
      upserts.push(
        user.userPrincipalName === undefined || user.userPrincipalName === null ? { id: user.id } : { id: user.id, userPrincipalName: user.userPrincipalName },
      );
    }
    for (const removed of page.removed) removedIds.push(removed.id);
  }
  return { full, upserts, removedIds };
}
