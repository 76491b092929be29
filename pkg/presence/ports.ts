/**
 * The two narrow ports the presence pipeline needs from Microsoft Graph. pkg/graph implements them; tests use fakes.
 * Keeping them here (not in pkg/graph) lets presence code compile and be tested before and without the Graph layer.
 */
import type { TeamsPresence } from './types.ts';

/**
 * Bulk presence read (`POST /communications/getPresencesByUserId`).
 *
 * When to use: the poller calls it once per batch planned by `planPollCycle`.
 * Gotchas: at most 650 ids per call (Graph answers 400 above that); results may come back in any order and may
 * omit unknown users. Implementations throw pkg/graph errors (throttling already retried inside the Graph layer).
 */
export interface PresenceReader {
  getPresencesByUserId(ids: readonly string[]): Promise<readonly TeamsPresence[]>;
}

/**
 * Body of `POST /users/{id}/presence/setPresence`.
 *
 * Gotchas: `sessionId` must be the calling application's client id; `expirationDuration` is ISO-8601 within
 * PT5M..PT4H. Only Available/Available, Busy/InACall, Busy/InAConferenceCall and Away/Away are accepted by Graph.
 */
export interface SetPresenceRequest {
  readonly sessionId: string;
  readonly availability: string;
  readonly activity: string;
  readonly expirationDuration: string;
}

/**
 * Application-session presence writes (`setPresence` / `clearPresence`).
 *
 * When to use: the PBX → Teams call-session runner only.
 * Gotchas: `clearPresence` must resolve when the session is already gone (Graph answers 404); the runner also
 * treats a thrown error carrying `status: 404` as success, for implementations that surface it.
 */
export interface PresenceWriter {
  setPresence(teamsUserId: string, request: SetPresenceRequest): Promise<void>;
  clearPresence(teamsUserId: string, sessionId: string): Promise<void>;
}
