/**
 * A silent steady state: after an initial sync of every kind (a TeamsTenant, N UserLicenseMappings, a PresenceSync
 * over the mapped users, a ContactSync of the directory and the mapped users' mailboxes), nothing changes for a while; the daemon (as shipped, its own process, under the install's
 * RBAC) should then write nothing: no apiserver write and no Graph write of any kind. Only presence reads and delta
 * reads at their intervals are expected.
 *
 *   node --import tsx bench/steady-state.ts [--mappings 1000] [--minutes 10] [--settle 30]
 *
 * apiserver writes come from the apiserver's audit log (this daemon's token only), by resource; Graph calls from the
 * simulator's request log, by route and the kind that makes them. Leases (leader election) are printed apart: their
 * renewals are the one write a leader must make. The ContactSync refreshes every minute (not the default 15) so the
 * quiet period sees its delta reads.
 */
import { parseArgs } from 'node:util';
import { ApiVersion, SecretPurpose, SecretPurposeLabel } from '../pkg/apis/teamssync/v1alpha1/index.ts';
import { readAuditLog, SERVICE_ACCOUNTS_GROUP, type AuditEvent } from '../pkg/envtest/audit.ts';
import { startControlPlane } from '../pkg/envtest/control-plane.ts';
import { startDaemon } from '../pkg/envtest/daemon.ts';
import { startSimulator, type RequestCount, type RequestLogEntry } from '../pkg/m365sim/index.ts';
import { sleep } from '../pkg/runtime/clock.ts';
import { coreResources, KubeClient, type KubeObject, type ResourceRef } from '../pkg/runtime/index.ts';
import { loadClusterConnection } from '../pkg/runtime/kubeconfig.ts';
import { contactSyncResource } from '../controllers/contactsync/resources.ts';
import { presenceSyncResource } from '../controllers/presencesync/resources.ts';
import { TeamsTenantResource, UserLicenseMappingResource } from '../controllers/shared/resources.ts';
import { benchSeed, BENCH_APP, BENCH_SECRET, BENCH_TENANT, mappingsFor } from './support/user-sync-seed.ts';
import { printRows } from './support/presence-rig.ts';

const { values } = parseArgs({
  options: {
    mappings: { type: 'string', default: '1000' },
    minutes: { type: 'string', default: '10' },
    settle: { type: 'string', default: '30' },
  },
});
const N = Number(values.mappings);
const QUIET_MS = Number(values.minutes) * 60_000;
const NS = 'steady';
const WRITE_VERBS = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);
const KINDS = {
  teamstenants: TeamsTenantResource,
  userlicensemappings: UserLicenseMappingResource,
  presencesyncs: presenceSyncResource,
  contactsyncs: contactSyncResource,
} as const;

const cp = await startControlPlane({ audit: { userGroups: [SERVICE_ACCOUNTS_GROUP] } });
const seed = benchSeed(N);
seed.apps?.[0]?.applicationPermissions?.push('Presence.ReadWrite.All', 'Contacts.Read');
const sim = await startSimulator({ seed: [seed], operationDelayMs: 200, tokenLifetimeSeconds: 3600 });
const kube = new KubeClient(loadClusterConnection({ kubeconfig: cp.kubeconfigPath }));
let daemon: Awaited<ReturnType<typeof startDaemon>> | undefined;
try {
  await kube.create(coreResources.namespaces, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  await create(objects());
  console.error(`[bench] ${N} mappings, a TeamsTenant, a PresenceSync and a ContactSync created; starting the daemon`);
  const started = Date.now();
  daemon = await startDaemon({
    controlPlane: { ...cp, kubectl: cp.binaries.kubectl },
    graph: { authorityHost: sim.loginUrl, baseUrl: sim.graphUrl, caBundle: sim.caFile },
    flags: { namespace: NS },
  });
  await untilSynced(started);
  const syncSeconds = (Date.now() - started) / 1000;
  console.error(`[bench] initial sync done in ${syncSeconds.toFixed(0)} s; settling ${values.settle} s, then ${values.minutes} min with no change`);
  await sleep(Number(values.settle) * 1000, undefined, { unref: false });
  const auditFile = cp.auditLogPath ?? '';
  const own = { credentialId: daemon.credentialId };
  const auditBefore = (await readAuditLog(auditFile, own)).length;
  // The request log keeps the last 20,000 entries only (a quiet ContactSync reads ~1,000 a minute here): writes come
  // from the simulator's uncapped write list, reads from its uncapped counts, both taken before and after.
  const writesBefore = sim.control.writes().length;
  const countsBefore = sim.control.requestCounts();
  const quietStart = Date.now();
  await sleep(QUIET_MS, undefined, { unref: false });
  const quietSeconds = (Date.now() - quietStart) / 1000;
  const audit = (await readAuditLog(auditFile, own)).slice(auditBefore);
  const graphWrites = sim.control
    .writes()
    .slice(writesBefore)
    .filter((e) => e.host === 'graph' && isGraphWrite(e));
  const graphReads = countsSince(countsBefore, sim.control.requestCounts()).filter((c) => c.host === 'graph' && !isGraphWrite(c));
  report(syncSeconds, quietSeconds, audit, graphWrites, graphReads);
} finally {
  await daemon?.stop();
  await sim.stop();
  await cp.stop();
}

function objects(): KubeObject[] {
  const secret = (name: string, data: Record<string, string>, labels?: Record<string, string>) => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, ...(labels === undefined ? {} : { labels }) },
    stringData: data,
  });
  const tenant = {
    apiVersion: ApiVersion,
    kind: 'TeamsTenant',
    metadata: { name: 'bench' },
    spec: {
      tenantId: BENCH_TENANT,
      syncMode: 'Auto',
      integrationLicenses: N,
      credentials: { clientId: BENCH_APP, clientSecret: { name: 'graph-app', key: 'clientSecret' } },
      policies: { voiceRoutingPolicy: 'PBX-VRP', callingPolicies: { voicemail: 'PBX-VM' } },
    },
  };
  // The mappings carry the PBX user's e-mail (the Teams UPN), so the PresenceSync tracks every mapped user.
  const mappings = mappingsFor(N, NS).map((m) => ({
    apiVersion: m.apiVersion,
    kind: m.kind,
    metadata: { name: m.metadata.name },
    spec: { ...m.spec, pbxUser: { ...m.spec.pbxUser, email: m.spec.teamsUser?.userPrincipalName } },
  }));
  const presence = {
    apiVersion: ApiVersion,
    kind: 'PresenceSync',
    metadata: { name: 'presence' },
    spec: {
      tenantRef: { name: 'bench' },
      pollInterval: '10s',
      users: { fromMappings: true },
      pbxEvents: { tokenSecretRef: { name: 'pbx-token', key: 'token' } },
    },
  };
  const contacts = {
    apiVersion: ApiVersion,
    kind: 'ContactSync',
    metadata: { name: 'contacts' },
    spec: {
      tenantRef: { name: 'bench' },
      refreshInterval: '1m',
      sources: { directory: true, personalContacts: { fromMappings: true } },
      pbxDirectory: { tokenSecretRef: { name: 'pbx-token', key: 'token' } },
    },
  };
  return [
    secret('graph-app', { clientSecret: BENCH_SECRET }),
    secret('pbx-token', { token: 'steady-state-pbx-token' }, { [SecretPurposeLabel]: SecretPurpose.PbxToken }),
    tenant,
    presence,
    contacts,
    ...mappings,
  ];
}

/** Creates the objects 32 at a time (as the admin: the audit log records only ServiceAccounts). */
async function create(all: readonly KubeObject[]): Promise<void> {
  const refOf = (kind: string): ResourceRef =>
    kind === 'Secret'
      ? coreResources.secrets
      : kind === 'TeamsTenant'
        ? TeamsTenantResource
        : kind === 'PresenceSync'
          ? presenceSyncResource
          : kind === 'ContactSync'
            ? contactSyncResource
            : UserLicenseMappingResource;
  for (let i = 0; i < all.length; i += 32) await Promise.all(all.slice(i, i + 32).map((o) => kube.create(refOf(o.kind ?? ''), NS, o)));
}

/** Ready=True counts per kind. */
async function readyCounts(): Promise<Record<keyof typeof KINDS, number>> {
  const counts = { teamstenants: 0, userlicensemappings: 0, presencesyncs: 0, contactsyncs: 0 };
  for (const kind of Object.keys(KINDS) as (keyof typeof KINDS)[]) {
    const { items } = await kube.list<KubeObject & { status?: { conditions?: { type: string; status: string }[] } }>(KINDS[kind], { namespace: NS });
    counts[kind] = items.filter((o) => o.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true).length;
  }
  return counts;
}

async function untilSynced(started: number): Promise<void> {
  let last = 0;
  for (;;) {
    const counts = await readyCounts();
    if (counts.teamstenants === 1 && counts.userlicensemappings === N && counts.presencesyncs === 1 && counts.contactsyncs === 1) return;
    if (Date.now() - last > 15_000) {
      console.error(`[bench] ${Math.round((Date.now() - started) / 1000)} s: Ready ${JSON.stringify(counts)}`);
      last = Date.now();
    }
    await sleep(2000, undefined, { unref: false });
  }
}

/** Which kind's controller makes a Graph call, by its route. */
function graphKind(route: string): string {
  if (/presence/i.test(route)) return 'PresenceSync';
  if (/sendMail|messages/i.test(route)) return 'TeamsTenant (notices)';
  if (/contacts/i.test(route)) return 'ContactSync';
  if (/users\/delta|subscribedSkus|organization|directoryRoles/i.test(route)) return 'TeamsTenant / users';
  return 'UserLicenseMapping';
}

/** A POST that only reads (getPresencesByUserId, a $batch envelope) is not a write. */
function isGraphWrite(entry: Pick<RequestLogEntry, 'method' | 'route'>): boolean {
  return entry.method !== 'GET' && !/getPresencesByUserId|\$batch/i.test(entry.route);
}

function tally<T>(items: readonly T[], key: (item: T) => string, weight: (item: T) => number = () => 1): [string, number][] {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + weight(item));
  return [...counts].sort((a, b) => b[1] - a[1]);
}

/** Requests per host, method, route and status made between two readings of the simulator's counts. */
function countsSince(before: readonly RequestCount[], after: readonly RequestCount[]): RequestCount[] {
  const key = (c: RequestCount) => `${c.host} ${c.method} ${c.route} ${c.status}`;
  const earlier = new Map(before.map((c) => [key(c), c.count]));
  return after.map((c) => ({ ...c, count: c.count - (earlier.get(key(c)) ?? 0) })).filter((c) => c.count > 0);
}

function report(
  syncSeconds: number,
  quietSeconds: number,
  audit: readonly AuditEvent[],
  graphWrites: readonly RequestLogEntry[],
  graphReads: readonly RequestCount[],
): void {
  const writes = audit.filter((e) => e.stage === 'ResponseComplete' && WRITE_VERBS.has(e.verb));
  const resource = (e: AuditEvent) => `${e.objectRef?.resource ?? '?'}${e.objectRef?.subresource === undefined ? '' : `/${e.objectRef.subresource}`}`;
  const leases = writes.filter((e) => e.objectRef?.resource === 'leases');
  const kindWrites = writes.filter((e) => e.objectRef?.resource !== 'leases');
  const rows: [string, string, string][] = [
    [
      'initial sync (all Ready)',
      `${syncSeconds.toFixed(0)} s`,
      `1 TeamsTenant, ${N} UserLicenseMappings, 1 PresenceSync (${N} users), 1 ContactSync (directory + ${N} mailboxes)`,
    ],
    ['quiet period', `${(quietSeconds / 60).toFixed(1)} min`, 'nothing changed in Kubernetes or Microsoft 365'],
    ['apiserver writes (kinds, events)', String(kindWrites.length), 'goal 0'],
    ...tally(kindWrites, (e) => `${e.verb} ${resource(e)}`).map(([what, n]): [string, string, string] => [`  ${what}`, String(n), '']),
    ['apiserver lease renewals', String(leases.length), 'leader election (expected: one per renew period)'],
    ['Graph writes', String(graphWrites.length), 'goal 0'],
    ...tally(graphWrites, (e) => `${graphKind(e.route)}: ${e.method} ${e.route}`).map(([what, n]): [string, string, string] => [`  ${what}`, String(n), '']),
    ['Graph reads', String(graphReads.reduce((n, c) => n + c.count, 0)), 'expected: presence reads every interval, delta reads at theirs'],
    ...tally(
      graphReads,
      (c) => `${graphKind(c.route)}: ${c.method} ${c.route}`,
      (c) => c.count,
    ).map(([what, n]): [string, string, string] => [`  ${what}`, String(n), `${((n / quietSeconds) * 60).toFixed(1)} per minute`]),
  ];
  printRows(`Steady state: ${N} mappings, ${(quietSeconds / 60).toFixed(1)} min with no change (daemon as shipped)`, rows);
}
