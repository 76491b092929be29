/**
 * Presence at scale: one PresenceSync of 10,000 users on the simulator (own process, Microsoft-like limits), 1 % of
 * them changing Teams presence every second and the PBX posting call events, for several poll cycles. Prints Graph
 * calls per cycle vs ceil(users / 650), Teams → stream and PBX → Teams latency (p50 / p99), CPU and peak RSS.
 *
 *   node --import tsx bench/presence.ts [--users 10000] [--change-rate 0.01] [--interval 10] [--cycles 6]
 *     [--calls-per-second 4] [--call-seconds 3] [--in-process] [--heap-snapshots DIR] [--node-options '--max-semi-space-size=4']
 *     [--env MALLOC_ARENA_MAX=4 ...]
 *
 * The Teams → stream clock starts when the simulator has the new presence (the time its control call answers with)
 * and stops when the SSE client receives it; PBX → Teams starts when the PBX event is posted and stops when the
 * simulator logs the setPresence.
 *
 * By default the controller is the daemon as shipped, in its own process (a control plane, the TeamsTenant and the
 * PresenceSync created with kubectl): its peak RSS is the figure for "one PresenceSync of 10,000 users". With
 * --in-process the controller's runner and HTTP endpoints run inside this process instead (no apiserver; quicker to
 * start, heap snapshots possible), and CPU and RSS are this process's, load driver and SSE client included.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { getHeapSpaceStatistics, getHeapStatistics, setFlagsFromString, writeHeapSnapshot } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { RequestLogEntry, RetryAfterViolation } from '../pkg/m365sim/index.ts';
import { openSseStream } from '../pkg/presence/sse-client.ts';
import type { PresenceEventData, SnapshotEventData } from '../pkg/presence/sse-format.ts';
import { parseDaemonEnv } from './support/daemon-env.ts';
import { startPresenceDaemonRig, type DaemonHeap, type PresenceDaemonRig } from './support/presence-daemon-rig.ts';
import { BENCH_KEY, BENCH_TOKEN, percentile, printRows, startPresenceRig } from './support/presence-rig.ts';
import { sleep } from '../pkg/runtime/clock.ts';

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '10000' },
    'change-rate': { type: 'string', default: '0.01' },
    interval: { type: 'string', default: '10' },
    cycles: { type: 'string', default: '6' },
    'calls-per-second': { type: 'string', default: '4' },
    'call-seconds': { type: 'string', default: '3' },
    /** The controller inside this process instead of the daemon as shipped. */
    'in-process': { type: 'boolean', default: false },
    /** NODE_OPTIONS for the daemon (V8 flags to compare without changing the image); the image's own flags still apply. */
    'node-options': { type: 'string' },
    /** NAME=VALUE over the daemon's container environment (repeatable), e.g. MALLOC_ARENA_MAX=8 to compare allocators. */
    env: { type: 'string', multiple: true, default: [] },
    /** Directory for V8 heap snapshots (after the first cycle and at the end of the churn); none by default. */
    'heap-snapshots': { type: 'string' },
  },
});
const users = Number(values.users);
const intervalS = Number(values.interval);
const changesPerTick = Math.max(1, Math.round((users * Number(values['change-rate'])) / 10)); // 10 ticks per second
const callsPerSecond = Number(values['calls-per-second']);
const callMs = Number(values['call-seconds']) * 1000;
const ROUTE = '/communications/getPresencesByUserId';
const TEAMS_STATES = [
  ['Available', 'Available', 'available'],
  ['Busy', 'Busy', 'busy'],
  ['Away', 'Away', 'away'],
  ['DoNotDisturb', 'DoNotDisturb', 'doNotDisturb'],
  ['Busy', 'InAMeeting', 'onCall'],
] as const;

const inProcess = values['in-process'];
const daemonEnv = parseDaemonEnv(values.env);
if (values['node-options'] !== undefined) daemonEnv['NODE_OPTIONS'] = values['node-options'];
const envNote = Object.entries(daemonEnv)
  .map(([name, value]) => `, ${name}=${value}`)
  .join('');
// Node, the modules and the load driver before any PresenceSync exists: what the peak is measured against.
let rssBaseline = process.memoryUsage().rss;
let daemonRig: PresenceDaemonRig | undefined;
const rig = inProcess ? await startPresenceRig(users, intervalS) : (daemonRig = await startPresenceDaemonRig(users, intervalS, 'bench', 'presence', daemonEnv));
const readMemory = (): MemorySample => (daemonRig === undefined ? process.memoryUsage() : { rss: daemonRig.memory().rss });
if (daemonRig !== undefined) {
  // The daemon with its TeamsTenant (the tenant's users read) and no PresenceSync yet.
  await sleep(10_000, undefined, { unref: false });
  rssBaseline = daemonRig.memory().rss;
  await daemonRig.createPresenceSync();
}
const memory = memorySampler(readMemory);
memory.mark('start-up');
const { sim, seed } = rig;
const tenant = seed.tenantId;
const userList = seed.users ?? [];
const callUsers = userList.slice(1, 1 + Math.min(500, Math.floor(users / 10))); // PBX calls only on these
const churnUsers = userList.slice(1 + callUsers.length);
const published = new Map<string, string>(); // user → last PBX state seen on the stream
/** A Teams change not yet seen on the stream; `at` is when it was sent, then when the simulator made it. */
interface TeamsChange {
  readonly state: string;
  at: number;
}
const pending = new Map<string, TeamsChange>();
/** Changes seen on the stream and when; latencies are taken at the end, once every change knows its simulator time. */
const seen: { change: TeamsChange; receivedAt: number }[] = [];
const pbxSent: { id: string; at: number; write: 'setPresence' | 'clearPresence' }[] = [];

try {
  console.error(`[bench] ${users} users, waiting for the first poll cycle…`);
  while (rig.cycles.count < 1) await sleep(100, undefined, { unref: false });
  memory.mark('first-cycle');
  const connection = await openSseStream(`${rig.baseUrl}/presence/${BENCH_KEY}/events`, {
    token: BENCH_TOKEN,
    onEvent: (event) => {
      if (event.event !== 'presence' && event.event !== 'snapshot') return;
      const now = Date.now();
      const data = JSON.parse(event.data) as Partial<PresenceEventData & SnapshotEventData>;
      for (const change of data.changes ?? data.states ?? []) {
        published.set(change.user, change.state);
        const wanted = pending.get(change.user);
        if (wanted?.state !== change.state) continue;
        seen.push({ change: wanted, receivedAt: now });
        pending.delete(change.user);
      }
    },
  });
  await sim.control('POST', '/control/reset');
  snapshot('after-first-cycle');
  const rssAtStart = readMemory().rss;
  const cpuStart = cpuMs();
  const wallStart = Date.now();
  const cyclesStart = rig.cycles.count;
  const churnEnd = wallStart + Number(values.cycles) * intervalS * 1000;
  let tick = 0;
  // The daemon's heap figures at the highest RSS its /metrics showed (scraped every 5 s during the churn).
  let daemonHeapPeak: DaemonHeap | undefined;
  // Load-independent figures of the daemon over the churn: its event-loop delay (worst 5-s window) and GC counts.
  const loop = { first: undefined as DaemonHeap | undefined, last: undefined as DaemonHeap | undefined, max: 0, p99: 0 };
  const heapTimer =
    daemonRig === undefined
      ? undefined
      : setInterval(() => {
          void daemonRig
            ?.heap()
            .then((heap) => {
              if (heap.rss > (daemonHeapPeak?.rss ?? 0)) daemonHeapPeak = heap;
              // The first scrape only resets the delay histogram (it covers the time before the churn).
              if (loop.first === undefined) loop.first = heap;
              else Object.assign(loop, { last: heap, max: Math.max(loop.max, heap.loopDelayMax), p99: Math.max(loop.p99, heap.loopDelayP99) });
            })
            .catch(() => undefined);
        }, 5000);
  console.error(`[bench] churning for ${Number(values.cycles)} cycles of ${intervalS}s…`);
  let made = 0;
  while (Date.now() < churnEnd) {
    const tickStart = Date.now();
    tick++;
    const changes: Promise<void>[] = [];
    for (let n = 0; n < changesPerTick; n++) {
      // A user whose last change is not published yet is skipped: one outstanding change per user keeps latency exact.
      const user = pickNotPending();
      if (user === undefined) continue;
      const current = published.get(user.userPrincipalName) ?? 'offline';
      const options = TEAMS_STATES.filter(([, , state]) => state !== current);
      const [availability, activity, state] = options[Math.floor(Math.random() * options.length)] ?? TEAMS_STATES[0];
      // Set before the request: a poll may read the new state before the control call has even returned.
      const change: TeamsChange = { state, at: Date.now() };
      pending.set(user.userPrincipalName, change);
      made++;
      changes.push(
        sim.control<{ changedAt: number }>('POST', `/control/tenants/${tenant}/users/${user.id}/presence`, { availability, activity }).then((answer) => {
          change.at = answer.changedAt;
        }),
      );
    }
    if (tick % Math.max(1, Math.round(10 / callsPerSecond)) === 0) changes.push(pbxCall());
    await Promise.all(changes);
    await sleep(tickStart + 100 - Date.now(), undefined, { unref: false });
  }
  memory.mark('churn');
  clearInterval(heapTimer);
  const churnSeconds = (Date.now() - wallStart) / 1000;
  snapshot('end-of-churn');
  const churnCycles = rig.cycles.count - cyclesStart;
  const cycleMark = rig.cycles.count;
  while (rig.cycles.count < cycleMark + 2 && pending.size > 0) await sleep(100, undefined, { unref: false }); // let the last changes drain
  const cpu = cpuMs() - cpuStart;
  const { count: cyclesEnd, lastAt: lastCycleAt } = rig.cycles;
  const wallMs = Date.now() - wallStart;
  const log = (await sim.control<RequestLogEntry[]>('GET', '/control/requests')).filter((e) => e.host === 'graph' && e.tenantId === tenant);
  const violations = await sim.control<RetryAfterViolation[]>('GET', '/control/violations');
  connection.close();
  // Only reads of whole cycles: those started before the last finished cycle ended.
  const reads = log.filter((e) => e.route === ROUTE && Date.parse(e.at) <= lastCycleAt).length;
  const measuredCycles = cyclesEnd - cyclesStart;
  const cycleDurations = rig.cycles.durationsMs.slice(cyclesStart);
  const pbxLatency = pbxLatencies(log);
  const streamLatency = seen.map(({ change, receivedAt }) => Math.max(0, receivedAt - change.at));
  const startGaps = rig.cycles.startsMs
    .slice(cyclesStart)
    .map((at, i, all) => (i === 0 ? Number.NaN : at - (all[i - 1] ?? at)))
    .slice(1);
  const fmt = (ms: number) => (Number.isNaN(ms) ? 'n/a' : `${(ms / 1000).toFixed(2)} s`);
  printRows(`Presence sync: ${users} users, ${(changesPerTick * 10).toFixed(0)} Teams changes/s, ${callsPerSecond} PBX calls/s, ${intervalS}s interval`, [
    ['Graph calls per cycle', (reads / Math.max(1, measuredCycles)).toFixed(2), `ceil(${users}/650) = ${Math.ceil(users / 650)}`],
    ['poll cycles measured', String(measuredCycles), `${churnCycles} during churn`],
    ['429 answers / Retry-After violations', `${log.filter((e) => e.status === 429).length} / ${violations.length}`, '0 / 0'],
    ['Teams → stream p50', fmt(percentile(streamLatency, 50)), `about interval/2 (a change waits for its batch's next read)`],
    [
      'Teams → stream p99 / max',
      `${fmt(percentile(streamLatency, 99))} / ${fmt(Math.max(...streamLatency))}`,
      `goal p99 ≤ ${intervalS + 0.5} s (interval + 0.5 s; each call's changes published when it returns)`,
    ],
    ['poll cycle duration p50 / max', `${fmt(percentile(cycleDurations, 50))} / ${fmt(Math.max(...cycleDurations))}`, 'first call start to last reply'],
    [
      'cycle start to start min / max',
      `${fmt(Math.min(...startGaps))} / ${fmt(Math.max(...startGaps))}`,
      `fixed rate: ${intervalS} s unless a timer fires late`,
    ],
    ['Teams changes made per second', (made / churnSeconds).toFixed(1), `${(changesPerTick * 10).toFixed(0)} wanted (1 % of users)`],
    ['Teams changes measured / not seen', `${seen.length} / ${pending.size}`, 'not seen = still pending at the end'],
    ['PBX → Teams p50', fmt(percentile(pbxLatency, 50)), 'setPresence/clearPresence arrives at Graph'],
    ['PBX → Teams p99', fmt(percentile(pbxLatency, 99)), `${pbxLatency.length} PBX events measured`],
    [
      'CPU (user + system)',
      `${((cpu / wallMs) * 100).toFixed(1)} %`,
      `of one core over ${(wallMs / 1000).toFixed(0)} s; ${inProcess ? 'this process' : 'the daemon'}`,
    ],
    [
      'peak RSS',
      mib(daemonRig?.memory().hwm ?? process.resourceUsage().maxRSS * 1024),
      `goal ≤ 150 MiB; ${daemonRig === undefined ? 'this process, no memory limit' : `the daemon (VmHWM${envNote}; ${daemonRig.daemon.memoryLimit.description})`}; ${mib(rssAtStart)} when the churn started`,
    ],
    [
      '  RSS before the PresenceSync',
      mib(rssBaseline),
      daemonRig === undefined ? 'Node, the modules, the load driver' : 'the daemon with its TeamsTenant, 10 s after it was ready',
    ],
    [
      '  peak RSS in start-up / first cycle / churn',
      ['start-up', 'first-cycle', 'churn'].map((phase) => mib(memory.peak(phase)?.rss ?? 0)).join(' / '),
      'sampled every 100 ms; the first cycle publishes every user',
    ],
    ['  this process (load driver, SSE client) peak RSS', mib(process.resourceUsage().maxRSS * 1024), inProcess ? 'the same process' : 'not the figure'],
    // The heap figures are this process's: only meaningful when the controller runs in it.
    ...(inProcess ? heapRows() : daemonHeapRows(daemonHeapPeak)),
    ...(inProcess ? [] : daemonLoopRows(loop.first, loop.last, loop.max, loop.p99)),
  ]);
} finally {
  memory.stop();
  await rig.stop();
}

function daemonHeapRows(heap: DaemonHeap | undefined): [string, string, string][] {
  if (heap === undefined) return [['  daemon heap', 'n/a', 'its /metrics could not be read']];
  return [
    ['  daemon at its highest scraped RSS', mib(heap.rss), 'its /metrics, scraped every 5 s during the churn'],
    ['    JS heap used / total', `${mib(heap.heapUsed)} / ${mib(heap.heapTotal)}`, `of which new space ${mib(heap.newSpace)} (--max-semi-space-size)`],
    ['    external', mib(heap.external), 'SQLite, buffers, TLS'],
    ['    outside the JS heap', mib(heap.rss - heap.heapTotal), 'code, Node, native libraries, malloc'],
  ];
}

function daemonLoopRows(first: DaemonHeap | undefined, last: DaemonHeap | undefined, max: number, p99: number): [string, string, string][] {
  if (first === undefined || last === undefined) return [['  daemon event loop', 'n/a', 'its /metrics could not be read twice']];
  const cycles = Math.max(1, Number(values.cycles));
  return [
    ['  daemon event-loop delay max / p99', `${(max * 1000).toFixed(0)} ms / ${(p99 * 1000).toFixed(0)} ms`, 'worst 5-s window of the churn (its /metrics)'],
    [
      '  daemon GCs during the churn: minor / major',
      `${last.minorGcs - first.minorGcs} / ${last.majorGcs - first.majorGcs}`,
      `about ${((last.minorGcs - first.minorGcs) / cycles).toFixed(0)} minor per cycle`,
    ],
  ];
}

function heapRows(): [string, string, string][] {
  return [
    [
      '  at the churn peak: JS heap used / total',
      `${mib(memory.peak('churn')?.heapUsed ?? 0)} / ${mib(memory.peak('churn')?.heapTotal ?? 0)}`,
      'garbage not yet collected counts',
    ],
    [
      '  at the churn peak: external / buffers',
      `${mib(memory.peak('churn')?.external ?? 0)} / ${mib(memory.peak('churn')?.arrayBuffers ?? 0)}`,
      'SQLite, sockets, TLS',
    ],
    ['  JS heap live after GC', mib(liveHeapBytes()), `V8 heap limit of new space ${mib(newSpaceBytes())} (--max-semi-space-size)`],
  ];
}

/** CPU time (user + system) of the controller's process so far, in ms. */
function cpuMs(): number {
  if (daemonRig === undefined) {
    const usage = process.cpuUsage();
    return (usage.user + usage.system) / 1000;
  }
  return daemonRig.cpuMs();
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(0)} MiB`;
}

/** Bytes the JS heap holds after a full collection (what the PresenceSync keeps, not garbage V8 has not collected). */
function liveHeapBytes(): number {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
  return getHeapStatistics().used_heap_size;
}

function newSpaceBytes(): number {
  return getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.space_size ?? 0;
}

type MemorySample = Pick<NodeJS.MemoryUsage, 'rss'> & Partial<NodeJS.MemoryUsage>;

/** The highest RSS seen in each phase of the run, and what the process held then (polled every 100 ms). */
function memorySampler(read: () => MemorySample) {
  const peaks = new Map<string, MemorySample>();
  let current: MemorySample | undefined;
  const sample = (): MemorySample => {
    const now = read();
    if (current === undefined || now.rss > current.rss) current = now;
    return current;
  };
  const timer = setInterval(sample, 100).unref();
  return {
    /** Ends the phase called `name`. */
    mark(name: string): void {
      peaks.set(name, sample());
      current = undefined;
    },
    peak: (name: string): MemorySample | undefined => peaks.get(name),
    stop: (): void => clearInterval(timer),
  };
}

/** Writes a heap snapshot when --heap-snapshots is given (it costs a pause and memory: not for timed runs). */
function snapshot(name: string): void {
  const dir = values['heap-snapshots'];
  if (dir === undefined) return;
  console.error(`[bench] heap snapshot ${writeHeapSnapshot(path.join(dir, `presence-${name}.heapsnapshot`))}`);
}

function pickNotPending(): (typeof churnUsers)[number] | undefined {
  for (let attempt = 0; attempt < 10; attempt++) {
    const user = churnUsers[Math.floor(Math.random() * churnUsers.length)];
    if (user !== undefined && !pending.has(user.userPrincipalName)) return user;
  }
  return undefined;
}

/** Starts a PBX call on a random call user and ends it `callMs` later (both through the PBX endpoint). */
async function pbxCall(): Promise<void> {
  const user = callUsers[Math.floor(Math.random() * callUsers.length)];
  if (user === undefined) return;
  const callId = `c${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  await postPbx(user.id, { user: user.userPrincipalName, state: 'onCall', callId });
  setTimeout(() => void postPbx(user.id, { user: user.userPrincipalName, state: 'callEnded', callId }), callMs).unref();
}

async function postPbx(id: string, event: Record<string, string>): Promise<void> {
  const at = Date.now();
  const res = await fetch(`${rig.baseUrl}/pbx/${BENCH_KEY}/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${BENCH_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(event),
  });
  const outcome = ((await res.json()) as { results?: { outcome?: string }[] }).results?.[0]?.outcome;
  // Only a call that starts or ends changes Teams; joining a call already shown writes nothing.
  if (outcome === 'started') pbxSent.push({ id, at, write: 'setPresence' });
  if (outcome === 'ended') pbxSent.push({ id, at, write: 'clearPresence' });
}

/** For each PBX event, the delay until the first presence write for that user arrived at the simulator. */
function pbxLatencies(log: readonly RequestLogEntry[]): number[] {
  const writes = log
    .filter((e) => /\/presence\/(setPresence|clearPresence)$/.test(e.route) && e.status === 200)
    .map((e) => ({ path: e.path.toLowerCase(), at: Date.parse(e.at) }));
  const latencies: number[] = [];
  for (const sent of pbxSent) {
    const write = writes.find((w) => w.at >= sent.at - 5 && w.path.includes(sent.id.toLowerCase()) && w.path.endsWith(sent.write.toLowerCase()));
    if (write !== undefined) {
      latencies.push(Math.max(0, write.at - sent.at));
      writes.splice(writes.indexOf(write), 1);
    }
  }
  return latencies;
}
