/**
 * The presence bench's rig with the daemon as shipped: a control plane, the simulator in its own process with a big
 * tenant, and the controller daemon in its own process (pkg/envtest/daemon.ts: the container's command, flags and
 * RBAC), so the memory figure is the shipped process's, not the load driver's. Objects are created with kubectl (by
 * another process than the daemon); poll cycles are read off the simulator's request log.
 */
import { readFileSync } from 'node:fs';
import { SecretPurpose, SecretPurposeLabel } from '../../pkg/apis/teamssync/v1alpha1/index.ts';
import { startControlPlane, type ControlPlane } from '../../pkg/envtest/control-plane.ts';
import { startDaemon, type RunningDaemon } from '../../pkg/envtest/daemon.ts';
import { kubectlOk } from '../../pkg/envtest/kubectl.ts';
import type { RequestLogEntry } from '../../pkg/m365sim/index.ts';
// The generator alone: pkg/m365sim/index.ts would load the whole simulator into this process.
import { generateTenantSeed } from '../../pkg/m365sim/state/seed-generator.ts';
import type { TenantSeed } from '../../pkg/m365sim/state/seed.ts';
import { startSimProcess, type SimProcess } from '../../test/integration/graph/support/sim-process.ts';
import { BENCH_TOKEN } from './presence-rig.ts';

const ROUTE = '/communications/getPresencesByUserId';
/** Reads further apart than this belong to different cycles (a cycle's 16 calls start within 0.4 s). */
const CYCLE_GAP_MS = 2000;

/** A running daemon rig. */
export interface PresenceDaemonRig {
  readonly sim: SimProcess;
  readonly seed: TenantSeed;
  readonly daemon: RunningDaemon;
  readonly baseUrl: string;
  /** Whole poll cycles seen at the simulator: count, arrival of the last one's last call, each one's first-to-last call arrival and start. */
  readonly cycles: { count: number; lastAt: number; readonly durationsMs: number[]; readonly startsMs: number[] };
  /** The daemon's resident set now and its high-water mark (/proc/PID/status VmRSS, VmHWM), in bytes. */
  memory(): { rss: number; hwm: number };
  /** The daemon's own memory figures from its /metrics (prom-client's default metrics), in bytes. */
  heap(): Promise<DaemonHeap>;
  /** CPU time (user + system) the daemon used so far, in ms (/proc/PID/stat; 100 clock ticks per second). */
  cpuMs(): number;
  /** Creates the PresenceSync (the daemon is started with the TeamsTenant only, so its idle RSS can be read first). */
  createPresenceSync(): Promise<void>;
  stop(): Promise<void>;
}

/** What the daemon's /metrics say of its memory. */
export interface DaemonHeap {
  readonly rss: number;
  readonly heapTotal: number;
  readonly heapUsed: number;
  readonly external: number;
  /** V8's young generation as it is sized now (nodejs_heap_space_size_total_bytes{space="new"}). */
  readonly newSpace: number;
  /** Event-loop delay since the previous scrape (prom-client resets its histogram at each scrape), in seconds. */
  readonly loopDelayMax: number;
  readonly loopDelayP99: number;
  /** Garbage collections since the daemon started, by kind (nodejs_gc_duration_seconds_count). */
  readonly minorGcs: number;
  readonly majorGcs: number;
}

function metric(text: string, name: string): number {
  const match = new RegExp(`^${name.replace(/[{}"]/g, (c) => `\\${c}`)} ([0-9.e+]+)$`, 'm').exec(text);
  return Number(match?.[1] ?? Number.NaN);
}

function statusBytes(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? 0) * 1024;
}

/** Groups presence reads into cycles; the last group counts only once no read came for {@link CYCLE_GAP_MS}. */
function cyclesOf(reads: readonly number[], now: number): { starts: number[]; ends: number[] } {
  const starts: number[] = [];
  const ends: number[] = [];
  for (const at of reads) {
    const end = ends.at(-1);
    if (end !== undefined && at - end <= CYCLE_GAP_MS) ends[ends.length - 1] = at;
    else {
      starts.push(at);
      ends.push(at);
    }
  }
  if ((ends.at(-1) ?? now) > now - CYCLE_GAP_MS) {
    starts.pop();
    ends.pop();
  }
  return { starts, ends };
}

/** Starts the control plane, the simulator and the daemon, with one TeamsTenant over a tenant of `users` users. */
export async function startPresenceDaemonRig(
  users: number,
  intervalSeconds: number,
  namespace: string,
  name: string,
  /** Environment over the container's (NODE_OPTIONS, MALLOC_ARENA_MAX, ...): to compare settings without changing the image. */
  env: Readonly<Record<string, string>> = {},
): Promise<PresenceDaemonRig> {
  const cp: ControlPlane = await startControlPlane();
  const stops: (() => Promise<unknown>)[] = [() => cp.stop()];
  const stopAll = async (): Promise<void> => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  };
  try {
    const sim = await startSimProcess();
    stops.push(() => sim.stop());
    const seed = generateTenantSeed({ users, seed: 11 });
    await sim.control('POST', '/control/tenants', seed);
    const app = seed.apps?.[0];
    const apply = (items: readonly object[]) =>
      kubectlOk(cp.binaries.kubectl, cp.kubeconfigPath, ['apply', '--server-side', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
    const secret = (secretName: string, data: Record<string, string>, labels?: Record<string, string>) => ({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: secretName, namespace, ...(labels === undefined ? {} : { labels }) },
      stringData: data,
    });
    await apply([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } }]);
    await apply([
      secret('graph-app', { clientSecret: app?.secrets?.[0] ?? '' }),
      secret('pbx-token', { token: BENCH_TOKEN }, { [SecretPurposeLabel]: SecretPurpose.PbxToken }),
      {
        apiVersion: 'teamssync.io/v1alpha1',
        kind: 'TeamsTenant',
        metadata: { name: 'bench', namespace },
        spec: {
          tenantId: seed.tenantId,
          credentials: { clientId: app?.appId ?? '', clientSecret: { name: 'graph-app', key: 'clientSecret' } },
          integrationLicenses: 10,
        },
      },
    ]);
    const daemon = await startDaemon({
      controlPlane: { ...cp, kubectl: cp.binaries.kubectl },
      graph: { authorityHost: sim.loginUrl, baseUrl: sim.graphUrl, caBundle: sim.caFile },
      flags: { namespace },
      env,
    });
    stops.push(() => daemon.stop());
    const cycles = { count: 0, lastAt: 0, durationsMs: [] as number[], startsMs: [] as number[] };
    // Every presence read seen so far, by request id: the bench resets the simulator's log, the count goes on.
    const seenReads = new Set<string>();
    const reads: number[] = [];
    let reading = false;
    const timer = setInterval(() => {
      if (reading) return;
      reading = true;
      void sim
        .control<RequestLogEntry[]>('GET', '/control/requests')
        .then((log) => {
          for (const e of log) {
            if (e.host !== 'graph' || e.route !== ROUTE || e.tenantId !== seed.tenantId || seenReads.has(e.requestId)) continue;
            seenReads.add(e.requestId);
            reads.push(Date.parse(e.at));
          }
          reads.sort((a, b) => a - b);
          const { starts, ends } = cyclesOf(reads, Date.now());
          cycles.startsMs.splice(0, Infinity, ...starts);
          cycles.durationsMs.splice(0, Infinity, ...starts.map((start, i) => (ends[i] ?? start) - start));
          Object.assign(cycles, { count: starts.length, lastAt: ends.at(-1) ?? 0 });
        })
        .catch(() => undefined)
        .finally(() => (reading = false));
    }, 500);
    stops.push(async () => clearInterval(timer));
    return {
      sim,
      seed,
      daemon,
      baseUrl: daemon.presenceUrl,
      cycles,
      memory: () => ({ rss: statusBytes(daemon.pid, 'VmRSS'), hwm: statusBytes(daemon.pid, 'VmHWM') }),
      heap: async () => {
        const { text } = await daemon.scrapeMetrics();
        return {
          rss: metric(text, 'process_resident_memory_bytes'),
          heapTotal: metric(text, 'nodejs_heap_size_total_bytes'),
          heapUsed: metric(text, 'nodejs_heap_size_used_bytes'),
          external: metric(text, 'nodejs_external_memory_bytes'),
          newSpace: metric(text, 'nodejs_heap_space_size_total_bytes{space="new"}'),
          loopDelayMax: metric(text, 'nodejs_eventloop_lag_max_seconds'),
          loopDelayP99: metric(text, 'nodejs_eventloop_lag_p99_seconds'),
          minorGcs: metric(text, 'nodejs_gc_duration_seconds_count{kind="minor"}'),
          majorGcs: metric(text, 'nodejs_gc_duration_seconds_count{kind="major"}'),
        };
      },
      cpuMs: () => {
        // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
        const fields = readFileSync(`/proc/${daemon.pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
        return (Number(fields[11] ?? 0) + Number(fields[12] ?? 0)) * 10;
      },
      async createPresenceSync() {
        await apply([
          {
            apiVersion: 'teamssync.io/v1alpha1',
            kind: 'PresenceSync',
            metadata: { name, namespace },
            spec: {
              tenantRef: { name: 'bench' },
              direction: 'Bidirectional',
              pollInterval: `${intervalSeconds}s`,
              users: { fromMappings: false, pbxUsers: (seed.users ?? []).map((u) => ({ email: u.userPrincipalName })) },
              pbxEvents: { tokenSecretRef: { name: 'pbx-token', key: 'token' } },
            },
          },
        ]);
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
