/**
 * The mappings informer's projection (controllers/shared/mapping-projection.ts) against a fleet's mapping cache: N
 * UserLicenseMappings shaped like bench/fleet.ts's Ready ones (T tenants, one namespace each; the status as the
 * mapping controller writes it, its Ready message naming the user and the number) are parsed from JSON and cached as
 * the informer caches them (type meta, the shared string interner, then the projection or none). Prints the JS heap
 * the cache holds per mapping (after a full GC: the heap with the cache less the heap before it) and the CPU time per
 * object (JSON.parse included), whole against projected, alternated over --rounds; --extension gives every PBX user
 * an extension (status.extensionNote: a sentence of its own per mapping). Runs with --expose-gc (started again with
 * it if missing).
 *
 *   node --import tsx bench/mapping-cache.ts [--mappings 100000] [--tenants 500] [--rounds 3] [--extension]
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { projectMappingForCache } from '../controllers/shared/mapping-projection.ts';
import type { CachedMapping } from '../controllers/shared/resources.ts';
import { StringInterner } from '../pkg/runtime/string-interner.ts';

if (typeof globalThis.gc !== 'function') {
  const run = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', ...process.argv.slice(1)], { stdio: 'inherit' });
  process.exit(run.status ?? 1);
}
const gc = globalThis.gc as () => void;

const { values } = parseArgs({
  options: {
    mappings: { type: 'string', default: '100000' },
    tenants: { type: 'string', default: '500' },
    rounds: { type: 'string', default: '3' },
    extension: { type: 'boolean', default: false },
  },
});
const N = Number(values.mappings);
const T = Number(values.tenants);

const iso = (s: number): string => `${new Date(Date.UTC(2026, 11, 3, 12) + s * 1000).toISOString().slice(0, 19)}Z`;
const hex = (n: number, width: number): string => n.toString(16).padStart(width, '0');
const guid = (n: number): string => `${hex(n, 8)}-${hex(n % 65_536, 4)}-4${hex(n % 4096, 3)}-8${hex(n % 4096, 3)}-${hex(n * 7919, 12).slice(-12)}`;

/** Mapping i's JSON as the apiserver sends it once Ready (number and two policies applied and confirmed). */
function mappingJson(i: number): string {
  const t = i % T;
  const m = Math.floor(i / T) + 1;
  const readyAt = iso(Math.floor(i / 10));
  const number = `+1${2_000_000_000 + t * 100_000 + m}`;
  const upn = `user${m}@tenant${t}.onmicrosoft.com`;
  const user = guid(1_000_000 + i);
  const extension = values.extension ? String(1000 + m) : undefined;
  // The messages and the note as controllers/userlicensemapping/conditions.ts and report.ts write them.
  const ready = `Teams user ${upn} has ${number} with enterprise voice and 2 policies`;
  const condition = (type: string, status: string, reason: string, message: string) => ({
    lastTransitionTime: readyAt,
    message,
    observedGeneration: 1,
    reason,
    status,
    type,
  });
  return JSON.stringify({
    metadata: {
      name: `m-${m}`,
      namespace: `fleet-${t}`,
      uid: guid(i + 1),
      resourceVersion: String(100_000 + i * 3),
      generation: 1,
      creationTimestamp: iso(Math.floor(i / 200)),
      finalizers: ['teamssync.io/teams-cleanup'],
    },
    spec: {
      tenantRef: { name: 'tenant' },
      pbxUser: { displayName: `PBX ${m}`, phoneNumber: number, voicemail: 'Voicemail', ...(extension === undefined ? {} : { extension }) },
      teamsUser: { userPrincipalName: upn },
      suspend: false,
    },
    status: {
      observedGeneration: 1,
      conditions: [
        condition('Ready', 'True', 'Configured', ready),
        condition('SyncNeeded', 'False', 'UpToDate', 'Nothing left to apply'),
        condition('Failed', 'False', 'Configured', ready),
      ],
      teamsUserId: user,
      teamsUserPrincipalName: upn,
      eligibility: 'Eligible',
      licenseState: 'Holding',
      teams: { assignedNumber: number, callingPolicy: 'AllowCalling', enterpriseVoiceEnabled: true, voiceRoutingPolicy: 'PBX-VRP' },
      ...(extension === undefined
        ? {}
        : {
            extensionNote: `Extension ${extension} is kept in the PBX only: Graph's assignNumber documents no extension (;ext=) form, so Teams gets ${number} without it`,
          }),
      propagation: { appliedTime: readyAt, confirmedTime: readyAt, lastCheckTime: readyAt },
      applied: {
        number: { telephoneNumber: number, userId: user, numberType: 'directRouting' },
        policies: [
          { userId: user, policyType: 'OnlineVoiceRoutingPolicy', policyName: 'PBX-VRP' },
          { userId: user, policyType: 'TeamsCallingPolicy', policyName: 'AllowCalling' },
        ],
        appliedAt: readyAt,
        confirmedAt: readyAt,
      },
      pendingChanges: 0,
      lastSyncTime: readyAt,
    },
  });
}

function heapUsed(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** Caches every mapping as the informer does (informer.ts prepare: type meta, projection, interner); heap bytes and CPU µs per mapping. */
function measure(projection: ((m: CachedMapping) => CachedMapping) | undefined): { heap: number; cpu: number } {
  const before = heapUsed();
  const interner = new StringInterner();
  const cache = new Map<number, CachedMapping>();
  const cpu = process.cpuUsage();
  for (let i = 0; i < N; i++) {
    const obj = JSON.parse(mappingJson(i)) as CachedMapping;
    obj.apiVersion ??= 'teamssync.io/v1alpha1';
    obj.kind ??= 'UserLicenseMapping';
    cache.set(i, interner.internDeep(projection === undefined ? obj : projection(obj)));
  }
  const { user, system } = process.cpuUsage(cpu);
  const heap = (heapUsed() - before) / N;
  cache.clear();
  return { heap, cpu: (user + system) / N };
}

console.log(
  `Mapping cache: ${N} fleet-shaped Ready mappings (${T} tenants${values.extension ? ', PBX extensions' : ''}), whole against projected, ${values.rounds} alternated rounds`,
);
for (let round = 1; round <= Number(values.rounds); round++) {
  const whole = measure(undefined);
  const projected = measure(projectMappingForCache);
  console.log(
    `  round ${round}: whole ${whole.heap.toFixed(0)} B per mapping, projected ${projected.heap.toFixed(0)} B (${(whole.heap - projected.heap).toFixed(0)} B less, ` +
      `${((projected.heap / whole.heap) * 100).toFixed(1)}%); CPU ${whole.cpu.toFixed(1)} / ${projected.cpu.toFixed(1)} µs per object (parse included); load ${loadavg()[0]?.toFixed(2)}`,
  );
}
