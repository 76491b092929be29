/**
 * The user-sync part of the demo: the tenant's app credentials in a Secret, a TeamsTenant in Auto mode
 * and a few UserLicenseMappings, applied with kubectl while the controller daemon runs, so `kubectl get`
 * shows the mappings become Ready (and one that cannot, with the reason an admin needs).
 */
import { stringify } from 'yaml';
import type { TenantSeed, UserSeed } from '../../pkg/m365sim/index.ts';
import { until } from './kubectl.ts';
import type { DemoTenant } from './simulator.ts';

/** Runs kubectl with the demo's kubeconfig (echoing it); rejects on a non-zero exit. */
export type Kubectl = (args: string[], stdin?: string) => Promise<void>;
/** Runs kubectl silently; resolves with its stdout. */
export type QuietKubectl = (args: string[]) => Promise<string>;

/** Applies the tenant and mappings into `namespace` and shows them become Ready. */
export async function runUserSyncDemo(
  { sim, seed }: DemoTenant,
  namespace: string,
  kubectl: Kubectl,
  quiet: QuietKubectl,
  step: (text: string) => void,
): Promise<void> {
  const app = seed.apps?.[0];
  if (app === undefined || app.secrets?.[0] === undefined) throw new Error('the demo seed has no app with a secret');
  const mapped = mappableUsers(seed).slice(0, 3);
  const disabled = (seed.users ?? []).find((u) => u.accountEnabled === false);
  step(`The app's Secret, a TeamsTenant (Auto) and ${mapped.length + (disabled ? 1 : 0)} UserLicenseMappings, applied with kubectl while the controller runs`);
  await kubectl(['apply', '-n', namespace, '-f', '-'], manifests(seed, app.appId, app.secrets[0], mapped, disabled));
  const names = mapped.map((u) => `userlicensemapping/${mappingName(u)}`);
  await kubectl(['wait', '-n', namespace, '--for=condition=Ready', '--timeout=120s', ...names]);
  await kubectl(['wait', '-n', namespace, '--for=condition=Ready', '--timeout=60s', 'teamstenant/demo']);
  if (disabled !== undefined)
    await kubectl(['wait', '-n', namespace, '--for=condition=Failed', '--timeout=60s', `userlicensemapping/${mappingName(disabled)}`]);
  // The Auto batch closes after a quiet period and is listed as a TeamsSync run.
  await until('the Auto batch to be recorded', async () => {
    const runs = JSON.parse(await quiet(['get', 'teamssyncs', '-n', namespace, '-o', 'json'])) as { items: { status?: { phase?: string } }[] };
    return runs.items.some((r) => r.status?.phase === 'Succeeded');
  });
  step('kubectl get teamssync: mappings Ready in Microsoft 365 (the simulator), the tenant Synced, the Auto batch recorded');
  await kubectl(['get', 'teamssync', '-n', namespace]);
  await kubectl(['get', 'userlicensemappings', '-n', namespace, '-o', 'wide']);
  const numbers = sim.control.numbers(seed.tenantId).filter((n) => mapped.some((u) => n.assignmentTargetId === u.id));
  console.log(`\nThe simulator now holds ${numbers.length} Direct Routing numbers for the mapped users: ${numbers.map((n) => n.telephoneNumber).join(', ')}`);
}

/** Enabled users with Teams Phone and no Calling Plan who hold no number yet. */
function mappableUsers(seed: TenantSeed): UserSeed[] {
  const holders = new Set((seed.numbers ?? []).map((n) => n.assignedTo));
  return (seed.users ?? []).filter(
    (u) =>
      u.accountEnabled !== false &&
      !holders.has(u.id) &&
      !holders.has(u.userPrincipalName) &&
      (u.licenses ?? []).some((l) => l === 'MCOEV') &&
      !(u.licenses ?? []).some((l) => l.startsWith('MCOPSTN')),
  );
}

function mappingName(u: UserSeed): string {
  return (
    u.userPrincipalName
      .split('@')[0]
      ?.toLowerCase()
      .replace(/[^a-z0-9-]/g, '-') ?? u.id
  );
}

function manifests(seed: TenantSeed, appId: string, secret: string, mapped: readonly UserSeed[], disabled: UserSeed | undefined): string {
  const policy = (type: string) => seed.policies?.find((p) => p.policyType === type)?.name;
  const voiceRouting = policy('OnlineVoiceRoutingPolicy');
  const calling = policy('TeamsCallingPolicy');
  const tenant = {
    apiVersion: 'teamssync.io/v1alpha1',
    kind: 'TeamsTenant',
    metadata: { name: 'demo' },
    spec: {
      tenantId: seed.tenantId,
      displayName: seed.displayName ?? 'Demo tenant',
      syncMode: 'Auto',
      integrationLicenses: 10,
      credentials: { clientId: appId, clientSecret: { name: 'demo-graph', key: 'clientSecret' } },
      policies: { ...(voiceRouting ? { voiceRoutingPolicy: voiceRouting } : {}), ...(calling ? { callingPolicies: { voicemail: calling } } : {}) },
    },
  };
  const secretObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'demo-graph' }, stringData: { clientSecret: secret } };
  const mapping = (u: UserSeed, i: number) => ({
    apiVersion: 'teamssync.io/v1alpha1',
    kind: 'UserLicenseMapping',
    metadata: { name: mappingName(u) },
    spec: {
      tenantRef: { name: 'demo' },
      pbxUser: { displayName: u.displayName, extension: `${201 + i}`, phoneNumber: `+1425555${String(700 + i).padStart(4, '0')}` },
      teamsUser: { userPrincipalName: u.userPrincipalName },
    },
  });
  const all = [...mapped, ...(disabled ? [disabled] : [])];
  return [secretObject, tenant, ...all.map(mapping)].map((o) => stringify(o)).join('---\n');
}
