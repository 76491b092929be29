/**
 * Shared value types of the presence pipeline (Teams → PBX stream, PBX → Teams calls).
 * Kept free of I/O so every other file in pkg/presence can import them cheaply.
 */

/**
 * The PBX-side presence vocabulary, taken from seed 001's "8x8 Presence" column.
 *
 * When to use: everything the stream publishes carries one of these.
 * Gotchas: there is deliberately no "available, out of office" state; the seed maps that to `available`.
 */
export const PBX_PRESENCE_STATES = ['available', 'busy', 'onCall', 'doNotDisturb', 'away', 'offline'] as const;

/** One of {@link PBX_PRESENCE_STATES}. */
export type PbxPresenceState = (typeof PBX_PRESENCE_STATES)[number];

/**
 * The subset of Graph's `microsoft.graph.presence` the mapping needs.
 *
 * When to use: what a {@link PresenceReader} returns; pkg/graph's richer type is structurally assignable.
 * Gotchas: `availability` and `activity` are open strings in the v1.0 schema (new values appear without
 * notice), and Graph may send `null` for any of these fields.
 */
export interface TeamsPresence {
  /** Entra object id of the user. */
  readonly id: string;
  readonly availability?: string | null;
  readonly activity?: string | null;
  readonly outOfOfficeSettings?: { readonly isOutOfOffice?: boolean | null } | null;
}

/**
 * A PBX user whose Teams presence we publish, after matching to a Microsoft 365 user.
 *
 * When to use: the poller, the change detector and the stream all key users by `userKey`
 * (the lower-cased e-mail, which is what the PBX and Microsoft 365 share).
 */
export interface TrackedUser {
  /** Lower-cased e-mail; the stream's user key. */
  readonly userKey: string;
  /** Entra object id used for Graph calls. */
  readonly teamsUserId: string;
  /** PBX extension, when known; lets the PBX inbound endpoint resolve users by extension too. */
  readonly extension?: string;
}

/**
 * One user's published presence change, as it is stored in the log and sent to stream clients.
 *
 * Gotchas: `availability`/`activity` are Graph's raw strings, carried for diagnostics; PBXs should act on `state`.
 */
export interface PresenceChange {
  readonly user: string;
  readonly teamsUserId: string;
  readonly state: PbxPresenceState;
  readonly availability: string;
  readonly activity: string;
  readonly outOfOffice: boolean;
  /** Unix milliseconds of the poll that observed the state. */
  readonly observedAt: number;
}
