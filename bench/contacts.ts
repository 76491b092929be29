/**
 * ContactSync at scale: 50,000 Outlook contacts across 500 mailboxes (plus the tenant's directory) read by the real
 * ContactSync engine (controllers/contactsync: readSources → planDirectory → the SQLite store's publish) through
 * pkg/graph against the simulator in its own process (Microsoft's Outlook limits: 4 in flight and 10,000 requests per
 * 10 minutes per app per mailbox). Prints Graph calls against the minimum, wall time against the floor those limits
 * allow, the calls and bytes of a refresh after 1 % of the contacts changed, and peak RSS.
 *
 *   node --import tsx bench/contacts.ts [--mailboxes 500] [--contacts 100] [--folders 1] [--latency-ms 0]
 *
 * `--latency-ms` adds that much to every Graph answer (Outlook's are tens to hundreds of ms; the local simulator's a
 * few): with it, wall time shows how well the engine overlaps round trips rather than how fast this machine's CPU is.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Registry } from 'prom-client';
import { ContactStore, contactStoreMigrations } from '../pkg/contacts/contact-store.ts';
import { createTenantClient, Redacted, type GraphTenantClient } from '../pkg/graph/index.ts';
import { generateTenantSeed, type RequestCount, type TenantSeed } from '../pkg/m365sim/index.ts';
import { openStateDatabase } from '../pkg/state/database.ts';
import { graphContactsPort } from '../controllers/contactsync/graph-port.ts';
import { planDirectory } from '../controllers/contactsync/plan.ts';
import { readSources, type SourceSelection } from '../controllers/contactsync/read-sources.ts';
import { startSimProcess, type SimProcess } from '../test/integration/graph/support/sim-process.ts';

const { values } = parseArgs({
  options: {
    mailboxes: { type: 'string', default: '500' },
    contacts: { type: 'string', default: '100' },
    folders: { type: 'string', default: '1' },
    'latency-ms': { type: 'string', default: '0' },
  },
});
const MAILBOXES = Number(values.mailboxes);
const PER_MAILBOX = Number(values.contacts);
const FOLDERS = Number(values.folders);
const LATENCY_MS = Number(values['latency-ms']);
/** Page sizes the engine asks for (graph-port.ts) and the simulator's users delta default. */
const CONTACT_PAGE = 100;
const USER_PAGE = 100;
const OUTLOOK = { concurrency: 4, perWindow: 10_000, windowSeconds: 600 };
/** The tenant client's HTTPS agent sockets (pkg/graph/tls.ts default). */
const CLIENT_SOCKETS = 32;

const seed = generateTenantSeed({
  users: MAILBOXES + 1,
  disabledShare: 0,
  contactMailboxes: { mailboxes: MAILBOXES, contactsPerMailbox: PER_MAILBOX, folders: FOLDERS, duplicateShare: 0.1 },
});
const tenantId = seed.tenantId;
const owners = (seed.users ?? []).slice(1, MAILBOXES + 1);
const work = mkdtempSync(path.join(tmpdir(), 'bench-contacts-'));
const seedFile = path.join(work, 'tenant.json');
writeFileSync(seedFile, JSON.stringify([seed]));
const sim = await startSimProcess(['--seed', seedFile, '--replication-lag-ms', '0']);
const client = clientFor(sim, seed);
if (LATENCY_MS > 0) await sim.control('POST', '/control/faults', { host: 'graph', latencyMs: LATENCY_MS });
const db = openStateDatabase(path.join(work, 'state.db'), contactStoreMigrations);
const store = new ContactStore(db);
const SYNC = 'bench-contactsync';
const selection: SourceSelection = { directory: true, mailboxes: owners.map((u) => u.userPrincipalName.toLowerCase()) };
const signal = new AbortController().signal;

function clientFor(s: SimProcess, t: TenantSeed): GraphTenantClient {
  const app = t.apps?.[0];
  return createTenantClient({
    tenantId: t.tenantId,
    cloud: 'Global',
    credentials: { kind: 'clientSecret', clientId: app?.appId ?? '', clientSecret: Redacted.of(app?.secrets?.[0] ?? '') },
    registry: new Registry(),
    endpoints: { authorityHost: s.loginUrl, graphBaseUrl: s.graphUrl, caBundlePath: s.caFile },
  });
}

/** Graph calls, 429s, response bytes and the busiest mailbox since the last reset. */
async function simFigures(): Promise<{ calls: number; throttled: number; bytes: number; peak: number }> {
  const counts = (await sim.control<RequestCount[]>('GET', '/control/counts')).filter((c) => c.host === 'graph');
  const { bytes } = await sim.control<{ bytes: number }>('GET', '/control/response-bytes');
  const { peak } = await sim.control<{ peak: number }>('GET', `/control/tenants/${tenantId}/mailbox-concurrency-peak`);
  return {
    calls: counts.reduce((n, c) => n + c.count, 0),
    throttled: counts.filter((c) => c.status === 429).reduce((n, c) => n + c.count, 0),
    bytes,
    peak,
  };
}

/** One ContactSync pass as the reconciler makes it: read the sources, plan the de-duplicated directory, publish. */
async function pass(): Promise<{
  wallMs: number;
  phases: string;
  peaks: string;
  entries: number;
  merged: number;
  changed: number;
  resynced: number;
  unreadable: number;
}> {
  await sim.control('POST', '/control/reset');
  const started = performance.now();
  const read = await readSources(graphContactsPort(client), store, SYNC, selection, signal);
  const readMs = performance.now();
  const readPeak = peakMiB();
  const plan = planDirectory(store.records(SYNC), { defaultRegion: 'US', contactsWithoutPhone: 'Skip' });
  const planMs = performance.now();
  const planPeak = peakMiB();
  const published = store.publish(SYNC, plan.entries);
  const done = performance.now();
  return {
    wallMs: done - started,
    phases: `read ${s(readMs - started)}, plan ${s(planMs - readMs)}, publish ${s(done - planMs)}`,
    peaks: `peak RSS after read ${readPeak}, after plan ${planPeak}, after publish ${peakMiB()}`,
    entries: plan.entries.length,
    merged: plan.duplicatesMerged,
    changed: published.added + published.updated + published.removed,
    resynced: read.resynced.length,
    unreadable: read.unreadable.length,
  };
}

/** The fewest Graph calls a full read can make: per folder ceil(contacts / page), per mailbox one folder listing, the directory's pages. */
function minimumCalls(): { calls: number; roundTripsPerMailbox: number } {
  let calls = Math.ceil((seed.users?.length ?? 0) / USER_PAGE);
  let roundTrips = 0;
  for (const owner of owners) {
    const perFolder = new Map<string, number>();
    for (const c of owner.contacts ?? []) perFolder.set(c.folder ?? '', (perFolder.get(c.folder ?? '') ?? 0) + 1);
    if (!perFolder.has('')) perFolder.set('', 0);
    const pages = [...perFolder.values()].map((n) => Math.max(1, Math.ceil(n / CONTACT_PAGE)));
    calls += 1 + pages.reduce((a, b) => a + b, 0);
    // Folder listing, then the folders side by side (≤ 4 at once), each folder's pages one after another.
    roundTrips = Math.max(roundTrips, 1 + Math.ceil(pages.length / OUTLOOK.concurrency) * Math.max(...pages));
  }
  return { calls, roundTripsPerMailbox: roundTrips };
}

/** Median ms of one Outlook read on this machine (the unit of the latency-bound floor). */
async function oneCallMs(mailbox: string): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < 15; i++) {
    const t0 = performance.now();
    await client.contacts.listContactFolders(mailbox);
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)] ?? 0;
}

/** Changes 1 % of the contacts, spread over the mailboxes: half updated (new number), a quarter deleted, a quarter added. */
async function changeOnePercent(total: number): Promise<number> {
  const n = Math.max(1, Math.round(total / 100));
  for (let i = 0; i < n; i++) {
    const owner = owners[i % owners.length];
    if (!owner) continue;
    const base = `/control/tenants/${tenantId}/users/${owner.id}/contacts`;
    if (i % 4 === 3) {
      await sim.control('POST', base, { displayName: `Added ${String(i)}`, businessPhones: [`+1206${String(9_000_000 + i)}`] });
      continue;
    }
    const ids = await sim.control<string[]>('GET', base);
    const id = ids[(i * 37) % ids.length] ?? '';
    if (i % 4 === 2) await sim.control('DELETE', `${base}/${encodeURIComponent(id)}`);
    else {
      const old = (owner.contacts ?? [])[(i * 37) % ids.length];
      await sim.control('PUT', `${base}/${encodeURIComponent(id)}`, {
        ...old,
        displayName: `Changed ${String(i)}`,
        businessPhones: [`+1206${String(8_000_000 + i)}`],
      });
    }
  }
  return n;
}

/** Peak RSS so far, MiB (the process's high-water mark: where it rises says which phase needs the memory). */
const peakMiB = (): string => `${String(Math.round(process.resourceUsage().maxRSS / 1024))} MiB`;
const kb = (bytes: number): string => `${(bytes / 1024).toFixed(0)} KiB`;
const s = (ms: number): string => (ms < 10_000 ? `${ms.toFixed(0)} ms` : `${(ms / 1000).toFixed(1)} s`);

try {
  const total = owners.reduce((n, u) => n + (u.contacts?.length ?? 0), 0);
  const latency = await oneCallMs(selection.mailboxes[0] ?? '');
  const minimum = minimumCalls();
  const setupPeak = peakMiB();
  const full = await pass();
  const fullSim = await simFigures();
  const changes = await changeOnePercent(total);
  const refresh = await pass();
  const refreshSim = await simFigures();
  const quiet = await pass();
  const quietSim = await simFigures();
  // Outlook's limits per mailbox: the rate cap binds only past 10,000 calls in a mailbox; otherwise the floor is the
  // mailbox's round trips with every mailbox read side by side (Outlook has no tenant-wide cap below Graph's global one).
  const perMailboxCalls = Math.ceil((minimum.calls - Math.ceil((seed.users?.length ?? 0) / USER_PAGE)) / MAILBOXES);
  const rateFloorMs = Math.max(0, (perMailboxCalls - OUTLOOK.perWindow) / (OUTLOOK.perWindow / OUTLOOK.windowSeconds)) * 1000;
  const floorMs = Math.max(rateFloorMs, minimum.roundTripsPerMailbox * latency);
  // What one tenant client can carry: every call takes a socket of its HTTPS agent (pkg/graph/tls.ts) for a round trip.
  const socketFloorMs = (minimum.calls * latency) / CLIENT_SOCKETS;
  console.log(
    `\nContactSync: ${String(total)} contacts in ${String(MAILBOXES)} mailboxes (${String(FOLDERS + 1)} folders each) + ${String(seed.users?.length ?? 0)} directory users`,
  );
  console.log(`one Outlook call on this machine: ${latency.toFixed(1)} ms (median of 15; simulator latency added ${String(LATENCY_MS)} ms)`);
  console.log(`\nfull import`);
  console.log(
    `  Graph calls ${String(fullSim.calls)} vs minimum ${String(minimum.calls)} (${(fullSim.calls / minimum.calls).toFixed(2)}x); 429s ${String(fullSim.throttled)}`,
  );
  console.log(
    `  wall ${s(full.wallMs)} vs Outlook floor ${s(floorMs)} (${String(minimum.roundTripsPerMailbox)} round trips per mailbox, all mailboxes side by side; rate floor ${s(rateFloorMs)})`,
  );
  console.log(`  of which ${full.phases}; one client's ${String(CLIENT_SOCKETS)} sockets allow the reads in ${s(socketFloorMs)} at best`);
  console.log(`  bytes ${kb(fullSim.bytes)}; busiest mailbox ${String(fullSim.peak)} in flight (limit ${String(OUTLOOK.concurrency)})`);
  console.log(`  peak RSS before it ${setupPeak} (the bench's own seed and this process's modules), ${full.peaks}`);
  console.log(`  published ${String(full.entries)} entries (${String(full.merged)} duplicates merged)`);
  console.log(`\nrefresh after 1 % change (${String(changes)} contacts changed, spread over ${String(Math.min(changes, MAILBOXES))} mailboxes)`);
  console.log(
    `  Graph calls ${String(refreshSim.calls)} (${((100 * refreshSim.calls) / fullSim.calls).toFixed(1)} % of the full import); 429s ${String(refreshSim.throttled)}`,
  );
  console.log(
    `  bytes ${kb(refreshSim.bytes)} (${((100 * refreshSim.bytes) / fullSim.bytes).toFixed(1)} % of the full import); wall ${s(refresh.wallMs)} (${refresh.phases})`,
  );
  console.log(`  published changes ${String(refresh.changed)}; full re-reads ${String(refresh.resynced)}`);
  console.log(`\nrefresh with nothing changed`);
  console.log(
    `  Graph calls ${String(quietSim.calls)}; bytes ${kb(quietSim.bytes)}; wall ${s(quiet.wallMs)} (${quiet.phases}); published changes ${String(quiet.changed)}`,
  );
  console.log(`\npeak RSS of the engine process ${String(Math.round(process.resourceUsage().maxRSS / 1024))} MiB (the simulator runs in its own process)`);
} finally {
  client.close();
  db.close();
  await sim.stop();
  rmSync(work, { recursive: true, force: true });
}
