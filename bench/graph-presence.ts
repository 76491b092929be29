/**
 * 10,000 presence reads through pkg/graph against the simulator (separate process, Microsoft-like limits): HTTP
 * requests made vs the minimum ceil(10000/650), and wall time vs the throttle-bound floor (1,500 requests / 30 s).
 *
 *   node --import tsx bench/graph-presence.ts [--users 10000] [--rounds 3] [--sustained 2000]
 *
 * `--sustained N` adds a row reading N users one id per call (N requests), which is bound by the 1,500 / 30 s limit.
 */
import { parseArgs } from 'node:util';
import { benchSetup, bucketFloorSeconds, graphRequests, printTable, type BenchRow } from './support/graph-sim.ts';

const { values } = parseArgs({
  options: { users: { type: 'string', default: '10000' }, rounds: { type: 'string', default: '3' }, sustained: { type: 'string', default: '0' } },
});
const users = Number(values.users);
const { sim, client, ids } = await benchSetup(users);

async function measure(scenario: string, minimum: number, run: () => Promise<number>): Promise<BenchRow> {
  await sim.control('POST', '/control/reset');
  const started = performance.now();
  const read = await run();
  const wallMs = performance.now() - started;
  if (read < minimum) throw new Error(`${scenario}: read only ${read} presences`);
  const log = await graphRequests(sim);
  const requests = log.length;
  return {
    scenario,
    requests,
    minimum: Math.ceil(minimum / 650),
    throttled: log.filter((e) => e.status === 429).length,
    wallMs,
    floorMs: bucketFloorSeconds(requests, 1500, 30) * 1000,
  };
}

try {
  await client.users.getUser(ids[0] ?? ''); // token and TLS out of the way
  const rows: BenchRow[] = [];
  for (let round = 1; round <= Number(values.rounds); round++) {
    rows.push(await measure(`getPresencesByUserId x${users}, round ${round}`, users, async () => (await client.presence.getPresencesByUserId(ids)).length));
  }
  const sustained = Number(values.sustained);
  if (sustained > 0) {
    const row = await measure(
      `1 id per call x${sustained}`,
      sustained,
      async () => (await Promise.all(ids.slice(0, sustained).map((id) => client.presence.getPresencesByUserId([id])))).length,
    );
    rows.push({ ...row, minimum: sustained, floorMs: bucketFloorSeconds(sustained, 1500, 30) * 1000 });
  }
  printTable(`Reading presence of ${users} users (650 ids per call)`, rows);
  console.log('floor = time the documented presence limit (1,500 requests / 30 s per app per tenant) needs for those requests.');
} finally {
  client.close();
  await sim.stop();
}
