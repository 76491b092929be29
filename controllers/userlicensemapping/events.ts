/**
 * Kubernetes Events for what apply did (house rule R13: past-tense PascalCase reasons, a Warning
 * for what could not be done). Events fire only when something happened, never for a steady
 * state, and not for throttling or conflicts (transient noise, R6).
 */
import type { Action, OperationAction } from './actions.ts';
import type { ActionResult, ApplyOutcome } from './executor.ts';
import { clip, describeAction, failureMessage, type UserLabeler } from './messages.ts';

/** One event to record on the mapping. */
export interface MappingEvent {
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  readonly message: string;
}

const DONE: Record<OperationAction['kind'] | 'AssignPolicy' | 'UnassignPolicy', readonly [done: string, failed: string]> = {
  AssignNumber: ['AssignedPhoneNumber', 'CannotAssignPhoneNumber'],
  UnassignNumber: ['UnassignedPhoneNumber', 'CannotUnassignPhoneNumber'],
  EnableEnterpriseVoice: ['EnabledEnterpriseVoice', 'CannotEnableEnterpriseVoice'],
  AssignPolicy: ['GrantedPolicy', 'CannotGrantPolicy'],
  UnassignPolicy: ['RemovedPolicy', 'CannotRemovePolicy'],
};

function reasons(action: Action): readonly [string, string] {
  return DONE[action.kind === 'ResumeOperation' ? action.operation.kind : action.kind];
}

function eventFor(result: ActionResult, label: UserLabeler): MappingEvent | undefined {
  const [done, failed] = reasons(result.action);
  const what = describeAction(result.action.kind === 'ResumeOperation' ? result.action.operation : result.action, label);
  switch (result.status) {
    case 'succeeded':
      return { type: 'Normal', reason: done, message: clip(`Microsoft 365 confirmed: ${what}`) };
    case 'inProgress':
      return undefined;
    case 'failed':
      if (['Throttled', 'Conflict', 'NotFound', 'ReplicationPending'].includes(result.failure.kind)) return undefined;
      return { type: 'Warning', reason: failed, message: failureMessage(result.action, result.failure, label) };
  }
}

/** The events for an apply outcome, in order. */
export function eventsFor(outcome: ApplyOutcome, label: UserLabeler): MappingEvent[] {
  return outcome.results.flatMap((r) => eventFor(r, label) ?? []);
}
