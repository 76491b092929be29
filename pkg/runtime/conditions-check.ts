import { ConditionTypes, findCondition, type ConditionedStatus } from './conditions.ts';

const reasonPattern = /^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/;
/** Text that looks like credential material: bearer tokens, JWTs, secret-ish key=value pairs. */
const secretLike = /(bearer\s+[a-z0-9._-]{8,}|eyJ[a-zA-Z0-9_-]{10,}\.[a-zA-Z0-9_-]{10,}|client_secret|client_assertion|password=|-----BEGIN)/i;

/**
 * Checks an object's conditions against house rule R5 and returns every violation (empty = fine), in the
 * spirit of Flux's `conditions/check`:
 * all of Ready / SyncNeeded / Failed present; `Failed=True` implies `Ready=False` with the same reason and
 * message; `observedGeneration` on each condition and on the status equals `metadata.generation`;
 * reasons are CamelCase tokens; messages are non-empty sentences without a trailing period or anything
 * that looks like a credential.
 * When to use: in tests, on every object a reconciler reported.
 */
export function checkConditions(obj: { metadata?: { generation?: number }; status?: ConditionedStatus }): string[] {
  const problems: string[] = [];
  const status = obj.status;
  const generation = obj.metadata?.generation;
  for (const type of Object.values(ConditionTypes)) {
    if (!findCondition(status, type)) problems.push(`condition ${type} missing`);
  }
  const failed = findCondition(status, ConditionTypes.Failed);
  const ready = findCondition(status, ConditionTypes.Ready);
  if (failed?.status === 'True') {
    if (ready?.status !== 'False') problems.push('Failed=True but Ready is not False');
    else if (ready.reason !== failed.reason || ready.message !== failed.message) problems.push('Ready does not mirror Failed reason/message');
  }
  if (generation !== undefined && status?.observedGeneration !== generation) {
    problems.push(`status.observedGeneration ${String(status?.observedGeneration)} != generation ${generation}`);
  }
  for (const c of status?.conditions ?? []) {
    if (generation !== undefined && c.observedGeneration !== generation)
      problems.push(`${c.type}.observedGeneration ${String(c.observedGeneration)} != ${generation}`);
    if (!reasonPattern.test(c.reason)) problems.push(`${c.type}.reason ${JSON.stringify(c.reason)} is not a CamelCase token`);
    if (!c.message) problems.push(`${c.type}.message is empty`);
    else if (c.message.endsWith('.')) problems.push(`${c.type}.message ends with a period`);
    if (secretLike.test(c.message)) problems.push(`${c.type}.message looks like it contains a credential`);
  }
  return problems;
}
