/**
 * `simulateApply(observed, plan)`: a tiny model of Microsoft 365 for the property tests. It
 * applies a plan's actions to the observed world (number inventory, user configurations) and
 * returns the observation the next reconcile would see, with the applied record settled by the
 * production `settleApplied` (that record is what the wiring persists in status).
 *
 * `lag: 'configuration'` models replication lag: the number inventory changes at once, the
 * users' teamsUserConfiguration does not.
 */
import type { Action, OperationAction, Plan } from '../../../../controllers/userlicensemapping/actions.ts';
import type { ApplyOutcome } from '../../../../controllers/userlicensemapping/apply.ts';
import { DEFAULT_PROPAGATION, settleApplied } from '../../../../controllers/userlicensemapping/ownership.ts';
import type { Observation, ObservedNumberAssignment, ObservedUserConfiguration } from '../../../../controllers/userlicensemapping/observe.ts';
import { sameId, sameNumber } from '../../../../controllers/shared/mapping-types.ts';

type Configs = Map<string, ObservedUserConfiguration | undefined>;

const empty: ObservedUserConfiguration = { isEnterpriseVoiceEnabled: false, telephoneNumbers: [], effectivePolicies: [] };

function configsOf(obs: Observation): Configs {
  const configs: Configs = new Map();
  for (const former of obs.formerUsers) configs.set(former.id, former.configuration);
  if (obs.target?.found) configs.set(obs.target.user.id, obs.target.configuration);
  return configs;
}

function update(configs: Configs, userId: string, change: (c: ObservedUserConfiguration) => ObservedUserConfiguration): void {
  const key = [...configs.keys()].find((k) => sameId(k, userId)) ?? userId;
  configs.set(key, change(configs.get(key) ?? empty));
}

function withoutNumber(configs: Configs, number: string): void {
  for (const [id, c] of configs) if (c) configs.set(id, { ...c, telephoneNumbers: c.telephoneNumbers.filter((n) => !sameNumber(n, number)) });
}

function setInventory(inventory: ObservedNumberAssignment[], entry: ObservedNumberAssignment): ObservedNumberAssignment[] {
  return [...inventory.filter((a) => !sameNumber(a.telephoneNumber, entry.telephoneNumber)), entry];
}

/** Applies one operation-kind or policy action to the model. */
function effect(action: Exclude<Action, { kind: 'ResumeOperation' }>, inventory: ObservedNumberAssignment[], configs: Configs): ObservedNumberAssignment[] {
  switch (action.kind) {
    case 'AssignNumber':
      withoutNumber(configs, action.number);
      update(configs, action.userId, (c) => ({ ...c, isEnterpriseVoiceEnabled: true, telephoneNumbers: [...c.telephoneNumbers, action.number] }));
      return setInventory(inventory, {
        telephoneNumber: action.number,
        numberType: action.numberType,
        activationState: 'activated',
        assignmentStatus: 'userAssigned',
        assignmentTargetId: action.userId,
      });
    case 'UnassignNumber':
      withoutNumber(configs, action.number);
      return setInventory(inventory, {
        telephoneNumber: action.number,
        numberType: action.numberType,
        activationState: 'activated',
        assignmentStatus: 'unassigned',
      });
    case 'EnableEnterpriseVoice':
      update(configs, action.userId, (c) => ({ ...c, isEnterpriseVoiceEnabled: true }));
      return inventory;
    case 'AssignPolicy':
      update(configs, action.userId, (c) => ({
        ...c,
        effectivePolicies: [
          ...c.effectivePolicies.filter((p) => p.policyType !== action.policyType),
          { policyType: action.policyType, policyName: action.policyName, assignmentType: 'direct' },
        ],
      }));
      return inventory;
    case 'UnassignPolicy':
      update(configs, action.userId, (c) => ({
        ...c,
        effectivePolicies: c.effectivePolicies.filter((p) => !(p.policyType === action.policyType && p.assignmentType === 'direct')),
      }));
      return inventory;
  }
}

function underlying(action: Action): Exclude<Action, { kind: 'ResumeOperation' }> {
  return action.kind === 'ResumeOperation' ? (action.operation satisfies OperationAction) : action;
}

/** Every action succeeds, in order; the observation after it. */
export function simulateApply(obs: Observation, plan: Plan, now: number, lag: 'none' | 'configuration' = 'none'): Observation {
  const outcome: ApplyOutcome = { attempted: plan.actions.length > 0, results: plan.actions.map((action) => ({ action, status: 'succeeded' as const })) };
  const configs = configsOf(obs);
  let inventory = [...obs.numberAssignments];
  for (const action of plan.actions) inventory = effect(underlying(action), inventory, configs);
  const applied = settleApplied(plan, obs, outcome, { now, propagation: DEFAULT_PROPAGATION });
  const seen = lag === 'configuration' ? configsOf(obs) : configs;
  const configOf = (id: string) => [...seen.entries()].find(([k]) => sameId(k, id))?.[1];
  const target = obs.target?.found ? { ...obs.target, configuration: configOf(obs.target.user.id) } : obs.target;
  const formerUsers = obs.formerUsers.map((u) => ({ ...u, configuration: configOf(u.id) }));
  return { target, formerUsers, numberAssignments: inventory, applied };
}
