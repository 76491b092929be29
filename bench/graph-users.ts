/**
 * Reading 10,000 Teams Phone users through pkg/graph against the simulator (separate process, Microsoft-like
 * limits): HTTP requests made vs the minimum ceil(10000/999), and wall time vs the throttle-bound floor.
 *
 *   node --import tsx bench/graph-users.ts [--users 10000]
 */
import { parseArgs } from 'node:util';
import { collect } from '../pkg/graph/index.ts';
import { benchSetup, bucketFloorSeconds, graphRequests, printTable, type BenchRow } from './support/graph-sim.ts';

const { values } = parseArgs({ options: { users: { type: 'string', default: '10000' } } });
const users = Number(values.users);
const { sim, client } = await benchSetup(users);
try {
  const catalog = await client.users.licensePlanCatalog();
  const rows: BenchRow[] = [];
  for (const round of ['round 1', 'round 2']) {
    await sim.control('POST', '/control/reset');
    const started = performance.now();
    const eligible = await collect(client.users.listEligibleUsers({ catalog }));
    const wallMs = performance.now() - started;
    if (eligible.length !== users) throw new Error(`expected ${users} eligible users, got ${eligible.length}`);
    const log = await graphRequests(sim);
    const pages = Math.ceil(users / 999);
    // Identity budget for a tenant of > 500 users: 8,000 resource units / 10 s; a $select'ed page costs 1 unit.
    rows.push({
      scenario: `listEligibleUsers, ${round}`,
      requests: log.length,
      minimum: pages,
      throttled: log.filter((e) => e.status === 429).length,
      wallMs,
      floorMs: bucketFloorSeconds(pages, 8000, 10) * 1000,
    });
  }
  printTable(`Reading ${users} users (999 per page)`, rows);
  console.log('floor = time the documented identity bucket needs to allow the minimum requests (0: latency-bound).');
} finally {
  client.close();
  await sim.stop();
}
