/**
 * PBX → Teams call sessions as a pure state machine: events and the clock in, setPresence/clearPresence actions out.
 * The runner (call-session-runner.ts) does the I/O and reports results back with {@link CallSessionMachine.complete}.
 *
 * Rules: `onCall` starts (or joins) a call and asks for Busy/InACall; the session is renewed before it expires while
 * any call lasts; `callEnded` for the last call, or `offline`, clears it; other PBX states are ignored (Teams shows
 * third-party presence only as offline or on a call). Stuck-call bound: `maxCallDurationMs` after the call started
 * the session is cleared and renewals stop, and a repeated `onCall` for that same callId is ignored for one more
 * bound. Events older than the last accepted one for the user (by `at`) are ignored as stale.
 */
import { backoffDelayMs } from '../runtime/backoff.ts';
import { formatIsoDuration, resolveCallSessionOptions, type CallSessionOptions } from './call-session-options.ts';

/** PBX states the inbound endpoint accepts. */
export const PBX_CALL_STATES = ['onCall', 'callEnded', 'offline', 'available', 'busy', 'away', 'doNotDisturb'] as const;

/** One of {@link PBX_CALL_STATES}. */
export type PbxCallState = (typeof PBX_CALL_STATES)[number];

/** A PBX event with its user already resolved to a Teams object id. */
export interface CallEvent {
  readonly teamsUserId: string;
  readonly state: PbxCallState;
  readonly callId?: string;
  /** When the PBX says it happened (unix ms); defaults to receipt time, clamped to it. */
  readonly at?: number;
}

/** What an event did. */
export type CallEventOutcome = 'started' | 'joined' | 'stillOnCall' | 'ended' | 'ignored' | 'stale' | 'expiredCall';

/** An action for the runner. `issuedAt` lets `complete` date the session from when it was requested. */
export type CallAction =
  | {
      readonly kind: 'set';
      readonly teamsUserId: string;
      readonly expirationDuration: string;
      readonly reason: 'callStarted' | 'renewal' | 'retry';
      readonly issuedAt: number;
    }
  | { readonly kind: 'clear'; readonly teamsUserId: string; readonly reason: 'callEnded' | 'maxCallDuration'; readonly issuedAt: number };

interface UserCall {
  desired: 'onCall' | 'clear';
  callIds: Set<string>;
  startedAt: number;
  setAt: number | undefined;
  inFlight: boolean;
  failures: number;
  retryAt: number;
  clearReason: 'callEnded' | 'maxCallDuration';
}

const IMPLICIT_CALL = '';

/**
 * The state machine. Deterministic: every method takes `now`; no timers, no I/O.
 *
 * When to use: one per PresenceSync with PBX → Teams enabled, driven by the runner.
 * Gotchas: `due()` marks returned actions in flight, so each must be followed by exactly one `complete()`.
 * A `callEnded`/`offline` for a user with no known call still clears (idempotent; covers a controller restart).
 */
export class CallSessionMachine {
  readonly options: CallSessionOptions;
  readonly #calls = new Map<string, UserCall>();
  readonly #lastEventAt = new Map<string, number>();
  readonly #expiredCalls = new Map<string, number>();

  constructor(options: Partial<CallSessionOptions> = {}) {
    this.options = resolveCallSessionOptions(options);
  }

  /** Users currently considered on a call. */
  get activeCalls(): number {
    let count = 0;
    for (const call of this.#calls.values()) if (call.desired === 'onCall') count++;
    return count;
  }

  /** Applies one PBX event received at `now`. */
  handleEvent(event: CallEvent, now: number): CallEventOutcome {
    const at = Math.min(event.at ?? now, now);
    if ((this.#lastEventAt.get(event.teamsUserId) ?? -Infinity) > at) return 'stale';
    this.#lastEventAt.set(event.teamsUserId, at);
    const callId = event.callId ?? IMPLICIT_CALL;
    switch (event.state) {
      case 'onCall':
        return this.#onCall(event.teamsUserId, callId, now);
      case 'callEnded':
        return this.#end(event.teamsUserId, event.callId, now);
      case 'offline':
        return this.#end(event.teamsUserId, undefined, now);
      case 'available':
      case 'busy':
      case 'away':
      case 'doNotDisturb':
        return 'ignored';
      default: {
        const unreachable: never = event.state;
        return unreachable;
      }
    }
  }

  /** Up to `limit` actions to perform now (marked in flight). Also applies the stuck-call bound. */
  due(now: number, limit: number = Number.POSITIVE_INFINITY): CallAction[] {
    this.#forgetOld(now);
    const actions: CallAction[] = [];
    for (const [teamsUserId, call] of this.#calls) {
      if (actions.length >= limit) break;
      if (call.inFlight || now < call.retryAt) continue;
      if (call.desired === 'onCall' && now - call.startedAt >= this.options.maxCallDurationMs) this.#expire(teamsUserId, call, now);
      const action = this.#actionFor(teamsUserId, call, now);
      if (action === undefined) continue;
      call.inFlight = true;
      actions.push(action);
    }
    return actions;
  }

  /** Records the result of an action returned by `due`. */
  complete(action: CallAction, ok: boolean, now: number): void {
    const call = this.#calls.get(action.teamsUserId);
    if (call === undefined) return;
    call.inFlight = false;
    if (!ok) {
      call.failures++;
      call.retryAt = now + backoffDelayMs(call.failures - 1, { baseMs: this.options.retryBaseMs, maxMs: this.options.retryMaxMs, jitter: 0 });
      // A clear that keeps failing stops mattering once the Graph session has lapsed on its own.
      const lapsed = (call.setAt ?? -Infinity) + this.options.sessionLifetimeMs <= now;
      if (action.kind === 'clear' && call.desired === 'clear' && lapsed) this.#calls.delete(action.teamsUserId);
      return;
    }
    call.failures = 0;
    call.retryAt = 0;
    if (action.kind === 'set' && call.desired === 'onCall') call.setAt = action.issuedAt;
    if (action.kind === 'clear' && call.desired === 'clear') this.#calls.delete(action.teamsUserId);
    if (action.kind === 'clear' && call.desired === 'onCall') call.setAt = undefined;
  }

  /** Earliest time `due` may return something, `undefined` when idle. In-flight users wake on `complete`. */
  nextWakeAt(): number | undefined {
    let next: number | undefined;
    for (const call of this.#calls.values()) {
      if (call.inFlight) continue;
      let at = call.retryAt;
      if (call.desired === 'onCall') {
        const renewAt =
          call.setAt === undefined ? call.retryAt : Math.max(call.retryAt, call.setAt + this.options.sessionLifetimeMs - this.options.renewBeforeMs);
        at = Math.min(renewAt, call.startedAt + this.options.maxCallDurationMs);
      }
      next = next === undefined ? at : Math.min(next, at);
    }
    return next;
  }

  #onCall(teamsUserId: string, callId: string, now: number): CallEventOutcome {
    if (this.#expiredCalls.has(`${teamsUserId}\0${callId}`)) return 'expiredCall';
    const call = this.#calls.get(teamsUserId);
    if (call !== undefined && call.desired === 'onCall') {
      if (call.callIds.has(callId)) return 'stillOnCall';
      call.callIds.add(callId);
      return 'joined';
    }
    const fresh: UserCall = {
      desired: 'onCall',
      callIds: new Set([callId]),
      startedAt: now,
      setAt: undefined,
      inFlight: false,
      failures: 0,
      retryAt: 0,
      clearReason: 'callEnded',
    };
    // A clear still in flight completes first; `complete` then sees desired=onCall and the set follows.
    this.#calls.set(teamsUserId, call === undefined ? fresh : { ...fresh, inFlight: call.inFlight });
    return 'started';
  }

  #end(teamsUserId: string, callId: string | undefined, now: number): CallEventOutcome {
    const call = this.#calls.get(teamsUserId);
    if (call !== undefined && call.desired === 'onCall' && callId !== undefined) {
      if (call.callIds.has(callId)) call.callIds.delete(callId);
      else call.callIds.delete(IMPLICIT_CALL); // an id we never saw ends only an id-less call
      if (call.callIds.size > 0) return 'stillOnCall';
    }
    if (call === undefined) {
      // Unknown session (e.g. set before a restart): assume the latest possible set time, so a failing clear is
      // retried until such a session would have lapsed on its own.
      this.#calls.set(teamsUserId, {
        desired: 'clear',
        callIds: new Set(),
        startedAt: now,
        setAt: now,
        inFlight: false,
        failures: 0,
        retryAt: 0,
        clearReason: 'callEnded',
      });
      return 'ended';
    }
    call.desired = 'clear';
    call.clearReason = 'callEnded';
    call.callIds.clear();
    call.retryAt = 0;
    call.failures = 0;
    return 'ended';
  }

  #expire(teamsUserId: string, call: UserCall, now: number): void {
    for (const callId of call.callIds) this.#expiredCalls.set(`${teamsUserId}\0${callId}`, now);
    call.desired = 'clear';
    call.clearReason = 'maxCallDuration';
    call.callIds.clear();
  }

  #actionFor(teamsUserId: string, call: UserCall, now: number): CallAction | undefined {
    if (call.desired === 'clear') return { kind: 'clear', teamsUserId, reason: call.clearReason, issuedAt: now };
    const renewAt = call.setAt === undefined ? undefined : call.setAt + this.options.sessionLifetimeMs - this.options.renewBeforeMs;
    if (renewAt !== undefined && now < renewAt) return undefined;
    const reason = call.setAt !== undefined ? 'renewal' : call.failures > 0 ? 'retry' : 'callStarted';
    return { kind: 'set', teamsUserId, expirationDuration: formatIsoDuration(this.options.sessionLifetimeMs), reason, issuedAt: now };
  }

  // forEach, not for-of over entries: this runs on every due() (each PBX event and timer) over every call user, and
  // each [key, value] entry was a new array: ~2 MiB of garbage per 10-s cycle at 4 PBX calls/s over 500 call users
  // (sampling heap profile of bench/presence.ts). Deleting the visited entry inside forEach is safe for a Map.
  #forgetOld(now: number): void {
    const maxAge = this.options.maxCallDurationMs;
    this.#expiredCalls.forEach((at, key) => {
      if (now - at >= maxAge) this.#expiredCalls.delete(key);
    });
    this.#lastEventAt.forEach((at, user) => {
      if (now - at >= maxAge && !this.#calls.has(user)) this.#lastEventAt.delete(user);
    });
  }
}
