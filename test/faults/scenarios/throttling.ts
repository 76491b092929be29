/**
 * Scenario 3: a sync under a hostile Graph: 30 % of requests answered 429 with Retry-After (1 s), 5 % 503, latency
 * spikes (2 s windows every 10 s), and 10 % of writes applied and then reset. It must converge with no Retry-After
 * violation, and throttling of some writes must not cost the rest: printed are the userConfiguration reads of
 * users whose mapping was already Ready, and the mappings that left Ready after reaching it (from a watch).
 */
import { isReady, mappingOf, userIdOf, until, type FaultWorld } from '../support/fault-env.ts';
import { watchReadiness } from '../support/mapping-watch.ts';
import { seconds, type Row } from '../support/report.ts';
import type { FaultSizes } from '../support/sizes.ts';
import { tally } from '../support/tally.ts';

export async function throttling(world: FaultWorld, size: FaultSizes['throttle']): Promise<Row> {
  const n = size.mappings;
  // Violations are judged in the daemon's process (support/retry-after-record.ts); the simulator's own list is only
  // printed: it stamps a request when its event loop reaches it, which a loaded machine delays past any crossing
  // allowance (its process stalled 1 s at a time: 26 "early" requests in a 200-mapping run, the daemon's side 0).
  // The simulator still answers a request it judges early with another 429; 500 ms keeps those rare under load.
  const sc = await world.scenario('throttle', { users: n, limits: { retryAfterGraceMs: 500 } });
  let timeline: Awaited<ReturnType<typeof watchReadiness>> | undefined;
  try {
    timeline = await watchReadiness(world.kube, sc.namespace);
    const t0 = Date.now();
    sc.sim.control.addFault({ host: 'graph', status: 429, rate: 0.3, retryAfterSeconds: 1 });
    sc.sim.control.addFault({ host: 'graph', status: 503, rate: 0.05 });
    sc.sim.control.addFault({ host: 'graph', method: 'POST', dropAfterApply: true, rate: 0.1 });
    for (let i = 0; i < 360; i++) sc.sim.control.addFault({ host: 'graph', latencyMs: 1500, fromMs: t0 + i * 10_000 + 4000, untilMs: t0 + i * 10_000 + 6000 });
    await sc.daemon();
    await sc.createMappings(Array.from({ length: n }, (_, i) => mappingOf(i + 1)));
    await until('every mapping Ready', async () => (await sc.mappings()).every(isReady), 1_800_000, 2000);
    const convergedMs = Date.now() - t0;
    const end = tally(sc, await sc.mappings(), n);
    timeline.stop();

    const readyAtOfUser = new Map<string, number>();
    for (const [name, at] of timeline.firstReady) readyAtOfUser.set(userIdOf(Number(name.slice(1))), at);
    const configReads = sc.sim.control.requestLog({ host: 'graph', method: 'GET' }).filter((e) => e.route.startsWith('/admin/teams/userConfigurations'));
    const extraReads = configReads.filter((e) => {
      const id = e.path.split('/').pop()?.toLowerCase() ?? '';
      const readyAt = readyAtOfUser.get(id);
      return readyAt !== undefined && Date.parse(e.at) > readyAt;
    }).length;
    const listReads = configReads.filter((e) => e.route === '/admin/teams/userConfigurations').length;
    const counts = sc.sim.control.requestCounts().filter((c) => c.host === 'graph');
    const sum = (status: number): number => counts.filter((c) => c.status === status).reduce((a, c) => a + c.count, 0);
    const drops = sc.sim.control.faults().find((f) => f.dropAfterApply)?.hits ?? 0;
    const flipReasons = [...new Set(timeline.flips.map((f) => f.reason))].join('/');
    const received = sc.retryAfter().throttled;
    return {
      scenario: '3 429/503/latency/reset',
      tally: end,
      // The daemon's side must have seen the 429s, or its record is not wired and its zero proves nothing.
      problems: received === 0 && sum(429) > 0 ? 1 : 0,
      figures: `${n} mappings Ready in ${seconds(convergedMs)}; ${sum(429)} × 429 (${received} received with Retry-After), ${sum(503)} × 503, ${drops} resets after apply; simulator-clock early requests ${sc.sim.control.violations().length}; extra userConfiguration reads after Ready ${extraReads} (list reads ${listReads}); Ready flips ${timeline.flips.length}${flipReasons ? ` (${flipReasons})` : ''}; policy re-grants ${end.regrants}`,
    };
  } finally {
    timeline?.stop();
    await sc.close();
  }
}
