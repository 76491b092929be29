/**
 * The string interner's table size (pkg/runtime/string-interner.ts) against a fleet's mapping cache: N mappings shaped
 * like bench/fleet.ts's Ready ones (T tenants, one namespace each) are parsed from JSON and cached, as an informer does;
 * then each is replaced once by its next status write (new resourceVersion and check time), as the watch delivers it.
 * For each table design it prints the JS heap the cache holds per mapping (after a full GC: the heap with the cache
 * less the heap before it, the table included), the strings the table holds at the end, and the CPU time per object
 * (JSON.parse included). Runs in this process with --expose-gc (started again with it if missing).
 *
 *   node --import tsx bench/string-interner.ts [--mappings 100000] [--tenants 500]
 */
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { DefaultInternerCapacity, StringInterner } from '../pkg/runtime/string-interner.ts';

if (typeof globalThis.gc !== 'function') {
  const run = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', ...process.argv.slice(1)], { stdio: 'inherit' });
  process.exit(run.status ?? 1);
}
const gc = globalThis.gc as () => void;

const { values } = parseArgs({ options: { mappings: { type: 'string', default: '100000' }, tenants: { type: 'string', default: '500' } } });
const N = Number(values.mappings);
const T = Number(values.tenants);

/** The table designs compared: none, the earlier one (one table cleared when full), two generations of a size. */
interface Design {
  readonly name: string;
  readonly internDeep: <V>(value: V) => V;
  readonly held: () => number;
}

/** The earlier design, kept here as the baseline: one table, cleared when full. */
function clearedWhenFull(capacity: number): Design {
  const table = new Map<string, string>();
  const intern = (s: string): string => {
    if (s.length > 256) return s;
    const known = table.get(s);
    if (known !== undefined) return known;
    if (table.size >= capacity) table.clear();
    table.set(s, s);
    return s;
  };
  const walk = (value: unknown): void => {
    if (typeof value !== 'object' || value === null) return;
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      const item = record[key];
      if (typeof item === 'string') record[key] = intern(item);
      else walk(item);
    }
  };
  return { name: `one table of ${capacity}, cleared when full`, internDeep: (v) => (walk(v), v), held: () => table.size };
}

function generations(capacity: number): Design {
  const interner = new StringInterner({ capacity });
  return { name: `two generations of ${capacity}`, internDeep: (v) => interner.internDeep(v), held: () => interner.size };
}

const iso = (s: number): string => new Date(Date.UTC(2026, 11, 3, 12) + s * 1000).toISOString();
const hex = (n: number, width: number): string => n.toString(16).padStart(width, '0');
const guid = (n: number): string => `${hex(n, 8)}-${hex(n % 65_536, 4)}-4${hex(n % 4096, 3)}-8${hex(n % 4096, 3)}-${hex(n * 7919, 12).slice(-12)}`;

/** Mapping i's JSON as the apiserver sends it after its `update`-th status write (Ready, number and policies applied). */
function mappingJson(i: number, update: number): string {
  const t = i % T;
  const m = Math.floor(i / T) + 1;
  const readyAt = iso(Math.floor(i / 10));
  const number = `+1${2_000_000_000 + t * 100_000 + m}`;
  return JSON.stringify({
    apiVersion: 'teamssync.io/v1alpha1',
    kind: 'UserLicenseMapping',
    metadata: {
      name: `m-${m}`,
      namespace: `fleet-${t}`,
      uid: guid(i + 1),
      resourceVersion: String(100_000 + i * 3 + update),
      generation: 1,
      creationTimestamp: iso(Math.floor(i / 200)),
      finalizers: ['teamssync.io/teams-cleanup'],
    },
    spec: {
      tenantRef: { name: 'tenant' },
      pbxUser: { displayName: `PBX ${m}`, phoneNumber: number, voicemail: 'Voicemail' },
      teamsUser: { userPrincipalName: `user${m}@tenant${t}.onmicrosoft.com` },
      suspend: false,
    },
    status: {
      observedGeneration: 1,
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'Configured',
          message: 'Teams shows the number and policies',
          lastTransitionTime: readyAt,
          observedGeneration: 1,
        },
        { type: 'SyncNeeded', status: 'False', reason: 'UpToDate', message: 'Nothing left to apply', lastTransitionTime: readyAt, observedGeneration: 1 },
        {
          type: 'Failed',
          status: 'False',
          reason: 'NoError',
          message: 'The last attempt did not fail',
          lastTransitionTime: iso(Math.floor(i / 20)),
          observedGeneration: 1,
        },
      ],
      teamsUserId: guid(1_000_000 + i),
      teamsUserPrincipalName: `user${m}@tenant${t}.onmicrosoft.com`,
      eligibility: 'Eligible',
      licenseState: 'Holding',
      teams: { assignedNumber: number, enterpriseVoiceEnabled: true, voiceRoutingPolicy: 'PBX-VRP', callingPolicy: 'AllowCalling' },
      propagation: { appliedTime: readyAt, confirmedTime: readyAt, lastCheckTime: iso(Math.floor(i / 10) + update * 900) },
      applied: {
        number: { telephoneNumber: number, numberType: 'DirectRouting' },
        policies: [
          { policyType: 'OnlineVoiceRoutingPolicy', policyName: 'PBX-VRP' },
          { policyType: 'TeamsCallingPolicy', policyName: 'AllowCalling' },
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

console.log(`String interner: ${N} fleet-shaped mappings (${T} tenants) cached, then each replaced by its next status write`);
const designs: (() => Design)[] = [
  () => ({ name: 'no interner', internDeep: (v) => v, held: () => 0 }),
  () => clearedWhenFull(50_000),
  () => generations(16_384),
  () => generations(DefaultInternerCapacity),
  () => generations(262_144),
];
for (const make of designs) {
  const before = heapUsed();
  const design = make();
  const cache = new Map<number, unknown>();
  const cpu = process.cpuUsage();
  for (let update = 0; update < 2; update++) {
    // The status writes come back in another order than the creates (a permutation: 7,919 is prime).
    for (let k = 0; k < N; k++) {
      const i = update === 0 ? k : (k * 7919) % N;
      cache.set(i, design.internDeep(JSON.parse(mappingJson(i, update)) as unknown));
    }
  }
  const { user, system } = process.cpuUsage(cpu);
  const held = heapUsed() - before;
  console.log(
    `  ${design.name.padEnd(38)} heap ${(held / N).toFixed(0).padStart(5)} B per mapping (${(held / 1048576).toFixed(1)} MiB), table ${String(design.held()).padStart(7)} strings, ` +
      `${((user + system) / (2 * N)).toFixed(1)} µs CPU per object (parse included)`,
  );
  cache.clear();
}
