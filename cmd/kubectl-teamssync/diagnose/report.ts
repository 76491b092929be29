/**
 * The sections `kubectl teamssync diagnose` prints, pure (table tests): conditions in plain words with the fix,
 * the Microsoft 365 operation in flight, recent Events, and the dry run of what the next sync would change.
 */
import { age, renderTable } from '../output.ts';
import { countsOf, type Run } from '../runs/run-view.ts';
import { explain, type DiagnosedKind } from './explain.ts';

/** A condition as the status holds it. */
export interface ConditionView {
  readonly type: string;
  readonly status: string;
  readonly reason: string;
  readonly message: string;
  readonly lastTransitionTime?: string;
}

/** True when the condition asks for attention (not Ready, a failure, or work pending). */
function unhealthy(c: ConditionView): boolean {
  return (c.type === 'Ready' && c.status !== 'True') || (c.type === 'Failed' && c.status === 'True') || (c.type === 'SyncNeeded' && c.status === 'True');
}

/** Each condition: `Type=Status Reason: message`, what it means, and the fix when it asks for attention. */
export function conditionLines(kind: DiagnosedKind, conditions: readonly ConditionView[], now: Date): string[] {
  if (conditions.length === 0) return ['  No conditions yet: the controller has not visited the object (is the daemon running?).'];
  const order = ['Ready', 'Failed', 'SyncNeeded'];
  const sorted = [...conditions].sort((a, b) => order.indexOf(a.type) - order.indexOf(b.type));
  const lines: string[] = [];
  for (const c of sorted) {
    const since = c.lastTransitionTime === undefined ? '' : ` (for ${age(c.lastTransitionTime, now)})`;
    lines.push(`  ${unhealthy(c) ? '✗' : '✓'} ${c.type}=${c.status} ${c.reason}${since}: ${c.message}`);
    const e = explain(kind, c.reason);
    if (e !== undefined) lines.push(`      What it means: ${e.meaning}`);
    if (e?.fix !== undefined && unhealthy(c)) lines.push(`      Fix: ${e.fix}`);
  }
  return lines;
}

/** The parts of a mapping's status that say what is in flight. */
export interface MappingWork {
  readonly operation?: { id: string; action: string; telephoneNumber: string; startedAt?: string };
  readonly intent?: { startedAt: string; writes: readonly { action: string; telephoneNumber?: string; policyType?: string; policyName?: string }[] };
  readonly pendingActions?: readonly string[];
}

/** The Microsoft 365 operation being polled, writes recorded and not yet seen to settle, and changes still to apply. */
export function operationLines(work: MappingWork, now: Date): string[] {
  const lines: string[] = [];
  const op = work.operation;
  if (op !== undefined) {
    const since = op.startedAt === undefined ? '' : `, accepted ${age(op.startedAt, now)} ago`;
    lines.push(`  Operation: ${op.action} ${op.telephoneNumber} (Microsoft 365 operation ${op.id}${since}); the controller polls it and never resubmits it`);
  }
  if (work.intent !== undefined) {
    lines.push(`  Recorded writes (since ${age(work.intent.startedAt, now)} ago, checked in Microsoft 365 before anything is written again):`);
    for (const w of work.intent.writes)
      lines.push(`    - ${[w.action, w.telephoneNumber, w.policyType, w.policyName].filter((x) => x !== undefined).join(' ')}`);
  }
  for (const a of work.pendingActions ?? []) lines.push(`  Pending: ${a}`);
  return lines.length === 0 ? ['  Nothing in flight.'] : lines;
}

/** An Event as core/v1 lists it (the fields `diagnose` reads). */
export interface EventView {
  readonly type?: string;
  readonly reason?: string;
  readonly message?: string;
  readonly count?: number;
  readonly lastTimestamp?: string;
  readonly eventTime?: string;
  readonly metadata?: { creationTimestamp?: string };
}

function eventTime(e: EventView): string {
  return e.lastTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp ?? '';
}

/** The newest `limit` Events, oldest first, as `kubectl describe` lists them. */
export function eventLines(events: readonly EventView[], now: Date, limit = 10): string[] {
  if (events.length === 0) return ['  No recent events.'];
  const recent = [...events].sort((a, b) => eventTime(a).localeCompare(eventTime(b))).slice(-limit);
  const rows = recent.map((e) => [
    e.type ?? '',
    e.reason ?? '',
    `${age(eventTime(e), now)}${(e.count ?? 1) > 1 ? ` (x${String(e.count)})` : ''}`,
    e.message ?? '',
  ]);
  return renderTable(['Type', 'Reason', 'Age', 'Message'], rows)
    .trimEnd()
    .split('\n')
    .map((l) => `  ${l}`);
}

/** What the dry run says the next sync would change (for a mapping: its own result and output lines). */
export function dryRunLines(run: Run, mapping: string | undefined): string[] {
  const phase = run.status?.phase ?? 'Pending';
  if (phase !== 'Succeeded' && phase !== 'Failed') {
    const failed = run.status?.conditions?.find((c) => c.type === 'Failed' && c.status === 'True');
    return [`  The dry run did not complete (${phase}${failed === undefined ? '' : `: ${failed.reason}: ${failed.message}`}).`];
  }
  const results = (run.status?.results ?? []).filter((r) => mapping === undefined || r.mapping === mapping);
  const changes = results.filter((r) => r.action !== 'None' || r.result === 'Failed');
  const lines: string[] = [];
  if (mapping === undefined) {
    const c = countsOf(run);
    lines.push(
      `  Would configure ${c.created}, update ${c.updated} and unconfigure ${c.removed} users; ${c.unchanged} unchanged, ${c.failed} would fail, ${c.skipped} skipped`,
    );
  } else if (changes.length === 0) {
    lines.push('  Nothing: Microsoft 365 already matches this mapping.');
  }
  for (const r of changes)
    lines.push(`  ${r.action} ${r.mapping}${r.user === undefined ? '' : ` (${r.user})`}: ${r.result}${r.message === undefined ? '' : ` — ${r.message}`}`);
  const output = (run.status?.output ?? []).filter((l) => mapping === undefined || l.includes(mapping));
  if (output.length > 0) lines.push('  Output:', ...output.slice(-20).map((l) => `    ${l}`));
  return lines;
}
