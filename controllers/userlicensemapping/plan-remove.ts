/**
 * Planning for an unmapped or deleted mapping: remove exactly what the controller put in
 * Microsoft 365 and nothing else. The number goes first, then the policies (seed 003: the
 * licence frees only once the unassignment has been applied).
 */
import type { Action } from './actions.ts';
import type { Draft, DraftContext } from './plan-configure.ts';
import type { Observation } from './observed.ts';
import { ownedNumberPresent, ownedPolicyPresent } from './ownership.ts';
import { withinGrace } from './propagation.ts';

/**
 * Unassigns the owned number if its user still holds it, and each owned policy still directly
 * assigned under the name we gave it. Something owned but not visible right after our own write
 * may still be propagating: wait rather than forget it, or it would be left behind.
 */
export function planRemoval(obs: Observation, ctx: DraftContext): Draft {
  const actions: Action[] = [];
  let lingering = false;
  const owned = obs.applied.number;
  if (owned !== undefined) {
    if (ownedNumberPresent(obs, owned)) actions.push({ kind: 'UnassignNumber', number: owned.telephoneNumber, numberType: owned.numberType });
    else lingering = true;
  }
  for (const policy of obs.applied.policies) {
    if (ownedPolicyPresent(obs, policy)) actions.push({ kind: 'UnassignPolicy', userId: policy.userId, policyType: policy.policyType });
    else lingering = true;
  }
  const waiting = actions.length === 0 && lingering && withinGrace(obs.applied, ctx.now, ctx.propagation);
  return { actions, blockers: [], pending: waiting ? ['removal'] : [] };
}
