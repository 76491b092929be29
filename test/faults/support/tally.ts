/**
 * What a scenario left behind, judged from the simulator's Teams state and request log against what the
 * mappings ask for:
 * - lost: a desired number or policy missing on the mapped user;
 * - orphaned: a number assignment or policy grant no mapping wants;
 * - duplicated: a non-idempotent write (assignNumber, unassignNumber, sendMail) accepted more than once for
 *   the same key. Policy grants are idempotent by design (retried in line), so their repeats are only counted
 *   as `regrants`, for the row;
 * - violations: requests a daemon started inside a Retry-After it had received, judged in the daemon's process
 *   (support/retry-after-record.ts), not by the simulator's clock, which a loaded machine delays.
 */
import type { RequestLogEntry } from '../../../pkg/m365sim/index.ts';
import type { CachedMapping } from '../../../controllers/shared/resources.ts';
import { POLICIES, TENANT_ID, type Scenario } from './fault-env.ts';

/** The counts of one scenario. */
export interface Tally {
  lost: number;
  duplicated: number;
  orphaned: number;
  violations: number;
  regrants: number;
  /** Short descriptions of what was lost, duplicated or orphaned (the first few). */
  details: string[];
}

const WANTED_POLICIES: Record<string, string> = { OnlineVoiceRoutingPolicy: POLICIES.voiceRoutingPolicy, TeamsCallingPolicy: POLICIES.callingPolicy };

/** Compares the simulator with the mappings that exist (none being deleted). */
export function tally(sc: Pick<Scenario, 'sim' | 'retryAfter'>, mappings: readonly CachedMapping[], userCount: number): Tally {
  const sim = sc.sim;
  const details: string[] = [];
  const note = (what: string): void => {
    if (details.length < 10) details.push(what);
  };
  const wanted = new Map<string, string>(); // user id -> number
  let lost = 0;
  for (const m of mappings) {
    const upn = m.spec.teamsUser?.userPrincipalName;
    if (upn === undefined || m.metadata?.deletionTimestamp !== undefined) continue;
    const user = sim.control.user(TENANT_ID, upn);
    if (user === undefined) continue;
    wanted.set(user.id.toLowerCase(), m.spec.pbxUser.phoneNumber);
  }
  const numbers = sim.control.numbers(TENANT_ID);
  const holderOf = new Map(numbers.filter((n) => n.assignmentTargetId).map((n) => [n.telephoneNumber, n.assignmentTargetId?.toLowerCase()]));
  for (const [userId, number] of wanted) {
    if (holderOf.get(number) !== userId) {
      lost++;
      note(`lost: ${number} on ${userId}`);
    }
    const policies = sim.control.teamsSettings(TENANT_ID, userId).policies;
    for (const [type, name] of Object.entries(WANTED_POLICIES))
      if (policies[type]?.displayName !== name) {
        lost++;
        note(`lost: ${type} on ${userId}`);
      }
  }
  let orphaned = 0;
  for (const [number, holder] of holderOf) {
    if (holder !== undefined && wanted.get(holder) !== number) {
      orphaned++;
      note(`orphaned: ${number} on ${holder}`);
    }
  }
  for (let i = 1; i <= userCount; i++) {
    const userId = `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
    if (wanted.has(userId)) continue;
    const policies = sim.control.teamsSettings(TENANT_ID, userId).policies;
    for (const type of Object.keys(WANTED_POLICIES))
      if (policies[type] !== undefined) {
        orphaned++;
        note(`orphaned: ${type} on ${userId}`);
      }
  }
  const { duplicated, regrants } = repeatedWrites(sim.control.writes(), note);
  const { early } = sc.retryAfter();
  for (const e of early) note(`Retry-After violation: a daemon sent ${e.path} ${e.earlyByMs} ms before a Retry-After it had received ran out`);
  return { lost, duplicated, orphaned, violations: early.length, regrants, details };
}

/** Accepted writes per key; more than one acceptance of a key is a duplicate (numbers, mail) or a re-grant (policies). */
function repeatedWrites(writes: readonly RequestLogEntry[], note: (what: string) => void = () => undefined): { duplicated: number; regrants: number } {
  const accepted = new Map<string, number>();
  for (const w of writes) {
    if (w.status < 200 || w.status >= 300) continue;
    for (const key of keysOf(w)) accepted.set(key, (accepted.get(key) ?? 0) + 1);
  }
  let duplicated = 0;
  let regrants = 0;
  for (const [key, count] of accepted) {
    if (count < 2) continue;
    if (key.startsWith('policy ')) regrants += count - 1;
    else {
      duplicated += count - 1;
      note(`duplicated ×${count}: ${key}`);
    }
  }
  return { duplicated, regrants };
}

function keysOf(w: RequestLogEntry): string[] {
  const body = (w.body ?? {}) as Record<string, unknown>;
  const route = w.route.split('/').pop() ?? w.route;
  if (route === 'assignNumber') return [`assignNumber ${String(body['telephoneNumber'])} ${String(body['assignmentTargetId']).toLowerCase()}`];
  if (route === 'unassignNumber') return [`unassignNumber ${String(body['telephoneNumber'])}`];
  if (route === 'sendMail') return [`sendMail ${w.path} ${JSON.stringify(body)}`];
  if (route === 'assign' || route === 'unassign') {
    const items = Array.isArray(body['value']) ? (body['value'] as Record<string, unknown>[]) : [];
    return items.map((it) => `policy ${route} ${text(it['userId']).toLowerCase()} ${text(it['policyType'])} ${text(it['policyId'])}`);
  }
  return [];
}

/** A request body field as text: absent is empty, strings as they are, anything else as JSON. */
function text(v: unknown): string {
  if (v === undefined || v === null) return '';
  return typeof v === 'string' ? v : JSON.stringify(v);
}
