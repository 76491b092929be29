/**
 * Scenario 1: kill -9 of the daemon at random points of an initial sync and of a removal, restarting it each
 * time on a fresh state directory (a new pod: the emptyDir is gone). The points are random progress marks
 * (accepted assignNumber / unassignNumber writes), so every kill lands mid-work.
 */
import type { RunningDaemon } from '../../../pkg/envtest/daemon.ts';
import { isReady, mappingOf, until, type FaultWorld } from '../support/fault-env.ts';
import { randomPoints, seconds, type Row } from '../support/report.ts';
import type { FaultSizes } from '../support/sizes.ts';
import { tally } from '../support/tally.ts';

export async function crashRestart(world: FaultWorld, size: FaultSizes['crash'], random: () => number): Promise<Row> {
  const n = size.mappings;
  // Teams admin limit raised (100/s) so the kills, not the throttle, set the pace.
  const sc = await world.scenario('crash', { users: n, limits: { teams: { capacity: 100, windowMs: 1000 } } });
  try {
    const accepted = (route: string): number => sc.sim.control.writes().filter((w) => w.route.endsWith(route) && w.status === 202).length;
    await sc.createMappings(Array.from({ length: n }, (_, i) => mappingOf(i + 1)));
    let daemon: RunningDaemon = await sc.daemon();
    const restarts: number[] = [];
    const strike = async (): Promise<void> => {
      await sc.kill(daemon);
      const started = Date.now();
      daemon = await sc.daemon();
      restarts.push(Date.now() - started);
    };

    const syncStart = Date.now();
    for (const point of randomPoints(random, size.syncKills, n)) {
      await until(`${point} numbers assigned`, () => accepted('/assignNumber') >= point, 600_000, 100);
      await strike();
    }
    await until('every mapping Ready', async () => (await sc.mappings()).every(isReady), 900_000, 2000);
    const syncMs = Date.now() - syncStart;
    const afterSync = tally(sc, await sc.mappings(), n);

    const removed = Array.from({ length: size.removed }, (_, i) => `m${i + 1}`);
    const removalStart = Date.now();
    const unassignedBefore = accepted('/unassignNumber');
    await sc.deleteMappings(removed);
    for (const point of randomPoints(random, size.removalKills, size.removed)) {
      await until(`${point} numbers unassigned`, () => accepted('/unassignNumber') - unassignedBefore >= point, 600_000, 100);
      await strike();
    }
    await until('the removed mappings to be gone', async () => (await sc.mappings()).length === n - size.removed, 900_000, 2000);
    const removalMs = Date.now() - removalStart;
    const end = tally(sc, await sc.mappings(), n);
    const restart = restarts.length ? `restart to ready ${seconds(Math.max(...restarts))} max` : '';
    return {
      scenario: '1 kill -9 + restart',
      tally: end,
      figures: `sync ${n} with ${size.syncKills} kills in ${seconds(syncMs)} (lost ${afterSync.lost} at Ready); removal ${size.removed} with ${size.removalKills} kills in ${seconds(removalMs)}; ${restart}; policy re-grants ${end.regrants}${end.details.length ? `; ${end.details.join('; ')}` : ''}`,
    };
  } finally {
    await sc.close();
  }
}
