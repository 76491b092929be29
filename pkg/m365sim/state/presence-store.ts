/**
 * Presence per user: application sessions (setPresence), the user's own Teams client (control API), a preferred
 * presence, and the aggregation rules of https://learn.microsoft.com/graph/api/presence-setpresence.
 */

const TEAMS_CLIENT_SESSION = 'teams-client';
/** A session set to Available fades after 5 minutes without refresh, then to Away after 5 more (https://learn.microsoft.com/graph/api/presence-setpresence). */
const FADE_MS = 5 * 60 * 1000;
const PRECEDENCE = ['DoNotDisturb', 'Busy', 'Available', 'AvailableIdle', 'BusyIdle', 'BeRightBack', 'Away', 'Offline'];

interface Session {
  availability: string;
  activity: string;
  setAtMs: number;
  expiresAtMs: number;
}

interface UserPresence {
  sessions: Map<string, Session>;
  preferred: Session | undefined;
  statusMessage: Record<string, unknown> | null;
  outOfOffice: { isOutOfOffice: boolean; message: string | null };
  sequence: number;
}

/** The aggregated presence as Graph returns it (microsoft.graph.presence). */
export interface PresenceView {
  id: string;
  availability: string;
  activity: string;
  statusMessage: Record<string, unknown> | null;
  outOfOfficeSettings: { isOutOfOffice: boolean; message: string | null };
  sequenceNumber: string;
  workLocation: { workLocationType: string; source: string; placeId: string | null };
}

/**
 * When to use: TenantState.presence. Expiry is evaluated lazily on every read, so no timers run.
 * Gotchas: with no live session the user is Offline/Offline and a preferred presence has no effect
 * (https://learn.microsoft.com/graph/api/presence-setuserpreferredpresence).
 */
export class PresenceStore {
  readonly #users = new Map<string, UserPresence>();

  /** Sets an application session (setPresence); `sessionId` is the calling app id. */
  setSession(userId: string, sessionId: string, availability: string, activity: string, now: number, durationMs: number): void {
    const p = this.#get(userId);
    p.sessions.set(sessionId, { availability, activity, setAtMs: now, expiresAtMs: now + durationMs });
    p.sequence++;
  }

  /** Removes a session; false when it did not exist (clearPresence → 404). */
  clearSession(userId: string, sessionId: string, now: number): boolean {
    const p = this.#get(userId);
    this.#prune(p, now);
    const removed = p.sessions.delete(sessionId);
    if (removed) p.sequence++;
    return removed;
  }

  /** The user's own Teams client state (control API / seed); 'Offline' removes it. */
  setTeamsClient(userId: string, availability: string, activity: string, now: number): void {
    const p = this.#get(userId);
    if (availability === 'Offline') p.sessions.delete(TEAMS_CLIENT_SESSION);
    else p.sessions.set(TEAMS_CLIENT_SESSION, { availability, activity, setAtMs: now, expiresAtMs: Number.POSITIVE_INFINITY });
    p.sequence++;
  }

  setPreferred(userId: string, availability: string, activity: string, now: number, durationMs: number): void {
    const p = this.#get(userId);
    p.preferred = { availability, activity, setAtMs: now, expiresAtMs: now + durationMs };
    p.sequence++;
  }

  clearPreferred(userId: string): void {
    const p = this.#get(userId);
    p.preferred = undefined;
    p.sequence++;
  }

  setStatusMessage(userId: string, statusMessage: Record<string, unknown> | null): void {
    const p = this.#get(userId);
    p.statusMessage = statusMessage;
    p.sequence++;
  }

  setOutOfOffice(userId: string, isOutOfOffice: boolean, message: string | null): void {
    const p = this.#get(userId);
    p.outOfOffice = { isOutOfOffice, message };
    p.sequence++;
  }

  /** The aggregated presence a reader sees at `now`. */
  view(userId: string, now: number): PresenceView {
    const p = this.#get(userId);
    this.#prune(p, now);
    const [availability, activity] = this.#aggregate(p, now);
    return {
      id: userId,
      availability,
      activity,
      statusMessage: p.statusMessage,
      outOfOfficeSettings: { ...p.outOfOffice },
      sequenceNumber: p.sequence.toString(16).toUpperCase().padStart(16, '0'),
      workLocation: { workLocationType: 'unspecified', source: 'none', placeId: null },
    };
  }

  #aggregate(p: UserPresence, now: number): [string, string] {
    if (p.sessions.size === 0) return ['Offline', 'Offline'];
    if (p.preferred) return [p.preferred.availability, p.preferred.activity];
    const states = [...p.sessions.entries()].map(([id, s]) => (id === TEAMS_CLIENT_SESSION ? [s.availability, s.activity] : faded(s, now)));
    states.sort((a, b) => rank(a[0] ?? '') - rank(b[0] ?? ''));
    const best = states[0];
    return [best?.[0] ?? 'PresenceUnknown', best?.[1] ?? 'PresenceUnknown'];
  }

  #prune(p: UserPresence, now: number): void {
    for (const [id, s] of p.sessions) if (s.expiresAtMs <= now) p.sessions.delete(id);
    if (p.preferred && p.preferred.expiresAtMs <= now) p.preferred = undefined;
  }

  #get(userId: string): UserPresence {
    let p = this.#users.get(userId);
    if (!p) {
      p = { sessions: new Map(), preferred: undefined, statusMessage: null, outOfOffice: { isOutOfOffice: false, message: null }, sequence: 1 };
      this.#users.set(userId, p);
    }
    return p;
  }
}

function rank(availability: string): number {
  const i = PRECEDENCE.indexOf(availability);
  return i < 0 ? PRECEDENCE.length : i;
}

function faded(s: Session, now: number): [string, string] {
  if (s.availability !== 'Available') return [s.availability, s.activity];
  const idle = now - s.setAtMs;
  if (idle > 2 * FADE_MS) return ['Away', 'Away'];
  if (idle > FADE_MS) return ['Available', 'AvailableInactive'];
  return [s.availability, s.activity];
}
