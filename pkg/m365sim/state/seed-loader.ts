/** Turns a TenantSeed into a TenantState. Seed mistakes throw with a message naming the bad entry. */
import { buildApp, buildNumber, buildUser } from './factories.ts';
import { stableGuid } from './ids.ts';
import type { TenantSeed } from './seed.ts';
import { findSku } from './sku-catalog.ts';
import { TenantState } from './tenant-state.ts';

/** Loads one tenant; `now` stamps created dates, seeded objects are visible at once (no replication lag). */
export function loadTenant(seed: TenantSeed, lagMs: number, now = Date.now()): TenantState {
  const tenantId = seed.tenantId.toLowerCase();
  const domains = seed.domains && seed.domains.length > 0 ? seed.domains : [`tenant-${tenantId.slice(0, 8)}.onmicrosoft.com`];
  const state = new TenantState(tenantId, seed.displayName ?? 'Simulated tenant', domains, lagMs);
  for (const app of seed.apps ?? []) state.apps.set(app.appId.toLowerCase(), buildApp(app));
  for (const p of seed.policies ?? []) {
    state.policies.push({ policyType: p.policyType, name: p.name, policyId: p.policyId ?? stableGuid(tenantId, p.policyType, p.name) });
  }
  loadUsers(state, seed, now);
  loadSkus(state, seed);
  loadNumbers(state, seed, now);
  return state;
}

function loadUsers(state: TenantState, seed: TenantSeed, now: number): void {
  for (const u of seed.users ?? []) {
    const user = buildUser(u, now);
    state.writeUser(user, now, true);
    const policies: Record<string, { policyId: string; displayName: string }> = {};
    for (const p of u.policies ?? []) {
      const policy = state.findPolicy(p.policyType, p.name);
      if (!policy) throw new Error(`user ${u.userPrincipalName}: policy ${p.policyType}/${p.name} is not in the tenant's policies`);
      policies[policy.policyType] = { policyId: policy.policyId, displayName: policy.name };
    }
    const teams = state.latestTeams(user.id, now);
    state.writeTeams({ ...teams, enterpriseVoice: u.enterpriseVoiceEnabled ?? false, policies }, now, true);
    if (u.presence) state.presence.setTeamsClient(user.id, u.presence.availability, u.presence.activity, now);
    for (const c of u.contacts ?? []) state.contacts.upsert(user.id, c, now);
  }
}

function loadSkus(state: TenantState, seed: TenantSeed): void {
  if (seed.skus) {
    for (const s of seed.skus) {
      const sku = findSku(s.sku);
      if (!sku) throw new Error(`tenant ${state.tenantId}: unknown SKU '${s.sku}'`);
      state.skus.push({ skuId: sku.skuId, prepaidUnits: s.prepaidUnits ?? 100, capabilityStatus: s.capabilityStatus ?? 'Enabled' });
    }
    return;
  }
  const used = new Map<string, number>();
  for (const u of state.users.latestValues()) for (const l of u.assignedLicenses) used.set(l.skuId, (used.get(l.skuId) ?? 0) + 1);
  for (const [skuId, count] of used) state.skus.push({ skuId, prepaidUnits: Math.max(25, Math.ceil(count * 1.2)), capabilityStatus: 'Enabled' });
}

function loadNumbers(state: TenantState, seed: TenantSeed, now: number): void {
  for (const n of seed.numbers ?? []) {
    const target = n.assignedTo === undefined ? undefined : state.latestUser(n.assignedTo);
    if (n.assignedTo !== undefined && !target) throw new Error(`number ${n.telephoneNumber}: unknown user '${n.assignedTo}'`);
    // DR numbers exist only while assigned
    // (https://learn.microsoft.com/graph/api/teamsadministration-telephonenumbermanagementroot-list-numberassignments)
    if (n.numberType === 'directRouting' && !target) continue;
    state.writeNumber(buildNumber(state.tenantId, n, target?.id ?? null), now, true);
  }
}
