import { assertFeatureAvailable } from '../clouds.ts';
import { ValidationError } from '../errors.ts';
import { seg, type ApiContext } from './context.ts';
import type { Presence } from './outlook-types.ts';

/** Graph's limit of ids per `getPresencesByUserId` call (https://learn.microsoft.com/graph/api/cloudcommunications-getpresencesbyuserid). */
const MAX_PRESENCE_IDS = 650;

/** Input of `setPresence`; `sessionId` defaults to the app's client id (one session per app per user). */
export interface SetPresenceInput {
  readonly availability: string;
  readonly activity: string;
  /** ISO-8601 duration PT5M..PT4H; default PT5M on the service side. */
  readonly expirationDuration?: string;
  readonly sessionId?: string;
}

/** Splits ids into chunks of at most `size`, dropping duplicates (Graph would return them once anyway). Pure. */
export function chunkIds(ids: readonly string[], size: number = MAX_PRESENCE_IDS): string[][] {
  const unique = [...new Set(ids)];
  const chunks: string[][] = [];
  for (let i = 0; i < unique.length; i += size) chunks.push(unique.slice(i, i + size));
  return chunks;
}

/**
 * Presence (https://learn.microsoft.com/graph/api/resources/presence): bulk reads and application session presence. Not offered in the China cloud.
 *
 * Gotchas: bulk reads run their ≤650-id chunks concurrently; the tenant limiter keeps them under 1,500 requests per
 * 30 s. `setPresence`/`clearPresence` are idempotent per session, so they are retried like GETs.
 */
export class PresenceApi {
  readonly #ctx: ApiContext;

  constructor(ctx: ApiContext) {
    this.#ctx = ctx;
  }

  /** Presence of many users, in chunks of 650 ids. Unknown users may be missing from the result. */
  async getPresencesByUserId(userIds: readonly string[], options: { signal?: AbortSignal } = {}): Promise<Presence[]> {
    assertFeatureAvailable(this.#ctx.cloud, 'presence');
    const chunks = chunkIds(userIds);
    const results = await Promise.all(chunks.map((ids) => this.#readChunk(ids, options.signal)));
    return results.flat();
  }

  /** Sets the app's presence session for a user. */
  async setPresence(userId: string, input: SetPresenceInput, options: { signal?: AbortSignal } = {}): Promise<void> {
    assertFeatureAvailable(this.#ctx.cloud, 'presence');
    if (input.availability === '' || input.activity === '') throw new ValidationError('setPresence needs an availability and an activity');
    await this.#action(
      userId,
      'setPresence',
      {
        sessionId: input.sessionId ?? this.#ctx.clientId,
        availability: input.availability,
        activity: input.activity,
        ...(input.expirationDuration === undefined ? {} : { expirationDuration: input.expirationDuration }),
      },
      options.signal,
    );
  }

  /** Ends the app's presence session for a user (404 when there is none → `NotFound`). */
  async clearPresence(userId: string, options: { sessionId?: string; signal?: AbortSignal } = {}): Promise<void> {
    assertFeatureAvailable(this.#ctx.cloud, 'presence');
    await this.#action(userId, 'clearPresence', { sessionId: options.sessionId ?? this.#ctx.clientId }, options.signal);
  }

  async #readChunk(ids: string[], signal: AbortSignal | undefined): Promise<Presence[]> {
    const res = await this.#ctx.http.send<{ value?: Presence[] }>({
      method: 'POST',
      path: 'communications/getPresencesByUserId',
      body: { ids },
      operation: 'read presence',
      permission: 'Presence.Read.All',
      idempotent: true,
      readOnly: true,
      ...(signal === undefined ? {} : { signal }),
    });
    return res.body?.value ?? [];
  }

  async #action(userId: string, action: string, body: Record<string, string>, signal: AbortSignal | undefined): Promise<void> {
    await this.#ctx.http.send({
      method: 'POST',
      path: `users/${seg(userId)}/presence/${action}`,
      body,
      operation: action === 'setPresence' ? 'set presence' : 'clear presence',
      permission: 'Presence.ReadWrite.All',
      idempotent: true,
      ...(signal === undefined ? {} : { signal }),
    });
  }
}
