/**
 * Teams-side changes an administrator makes outside the controller (control API): a direct policy assignment
 * changed or removed in the Teams admin centre, and "Teams caught up" (every write made so far becomes visible to
 * reads at once, as if the replication lag had passed). Writes go through TenantState, so reads see them after the
 * tenant's replication lag like any other write.
 */
import type { TenantState } from '../state/tenant-state.ts';
import type { VersionedMap } from '../replication-lag.ts';

/**
 * Sets (a policy name) or removes (`undefined`) the user's direct assignment of `policyType`, as
 * Grant-CsTeamsCallingPolicy / Grant-CsOnlineVoiceRoutingPolicy with `-PolicyName $null` do
 * (https://learn.microsoft.com/powershell/module/teams/grant-csteamscallingpolicy). Returns the failure text when the
 * policy does not exist.
 */
export function setDirectPolicy(tenant: TenantState, userId: string, policyType: string, policyName: string | undefined, now = Date.now()): string | undefined {
  const teams = tenant.latestTeams(userId, now);
  const key = Object.keys(teams.policies).find((k) => k.toLowerCase() === policyType.toLowerCase());
  const rest = Object.fromEntries(Object.entries(teams.policies).filter(([k]) => k !== key));
  if (policyName === undefined) {
    tenant.writeTeams({ ...teams, policies: rest }, now);
    return undefined;
  }
  const policy = tenant.findPolicy(policyType, policyName);
  if (policy === undefined) return `The policy '${policyName}' of type '${policyType}' does not exist in the tenant.`;
  tenant.writeTeams({ ...teams, policies: { ...rest, [policy.policyType]: { policyId: policy.policyId, displayName: policy.name } } }, now);
  return undefined;
}

/** Makes every write of the tenant visible to reads now (users, Teams settings, numbers): replication caught up. */
export function replicateNow(tenant: TenantState, now = Date.now()): void {
  catchUp(tenant.users, now);
  catchUp(tenant.teams, now);
  catchUp(tenant.numbers, now);
}

function catchUp<V>(map: VersionedMap<V>, now: number): void {
  for (const key of map.keys()) {
    const latest = map.latest(key);
    if (latest === map.visible(key, now)) continue;
    if (latest === undefined) map.delete(key, now);
    else map.set(key, latest, now);
  }
}
