/**
 * Running attacks and judging outcomes, shared by the security suite's files: a bounded batch of attempts becomes
 * one row of the {@link AttackLog}; `refused` and `survived` are the two verdicts most rows use.
 */
import type { AttackLog } from './attack-log.ts';
import { send, type Attempt, type Outcome, type Target } from './hostile-client.ts';

/** `401`, `403×2 closed`: the outcomes of a row, counted. */
export function describeOutcome(outcomes: readonly Outcome[]): string {
  const counts = new Map<string, number>();
  for (const o of outcomes) {
    const key = o.kind === 'answered' ? String(o.status) : o.kind;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([k, n]) => (outcomes.length === 1 ? k : `${k}×${String(n)}`)).join(' ');
}

/** Refused: a 4xx, a 503, or the connection closed without an answer. Anything else got through. */
export const refused = (o: Outcome): boolean => (o.kind === 'answered' && ((o.status >= 400 && o.status < 500) || o.status === 503)) || o.kind === 'closed';

/** Runs the attempts (at most 8 at a time) and records one row; `ok` says which outcomes did not get through. */
export async function runAttack(
  log: AttackLog,
  row: { readonly endpoint: string; readonly attack: string; readonly expected: string },
  target: Target,
  attempts: readonly Attempt[],
  ok: (o: Outcome) => boolean,
): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (let i = 0; i < attempts.length; i += 8) outcomes.push(...(await Promise.all(attempts.slice(i, i + 8).map((a) => send(target, a)))));
  log.record({ ...row, outcome: describeOutcome(outcomes), tries: outcomes.length, through: outcomes.filter((o) => !ok(o)).length });
  return outcomes;
}

/** Polls `probe` until it returns a value (not undefined/false); throws after `timeoutMs`. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${String(timeoutMs)} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
