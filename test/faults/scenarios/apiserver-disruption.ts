/**
 * Scenario 4: the apiserver goes away under the daemon, which reaches it through a loopback TCP proxy, and the
 * daemon must recover in the same process (single replica, no leader election: a leader that cannot renew
 * exits by design). In turn: kube-apiserver restarted; then the apiserver unreachable (black-holed) while
 * mappings are created and deleted and etcd is compacted past every revision the daemon has seen, so its
 * watches resume into 410 Gone and must relist.
 */
import { BlackholeProxy } from '../../integration/runtime/blackhole-proxy.ts';
import { isReady, mappingOf, until, type FaultWorld } from '../support/fault-env.ts';
import { seconds, type Row } from '../support/report.ts';
import type { FaultSizes } from '../support/sizes.ts';
import { tally } from '../support/tally.ts';

export async function apiserverDisruption(world: FaultWorld, size: FaultSizes['apiserver']): Promise<Row> {
  const p = size.perStep;
  const users = 3 * p;
  const sc = await world.scenario('apiserver', { users });
  const proxy = await BlackholeProxy.start(world.cp.server);
  try {
    const daemon = await sc.daemon({ apiserver: `https://127.0.0.1:${proxy.port}` });
    const batch = (from: number) => Array.from({ length: p }, (_, i) => mappingOf(from + i));
    const allReady = async (count: number): Promise<boolean> => {
      const items = await sc.mappings();
      return items.length === count && items.every(isReady);
    };

    await sc.createMappings(batch(1));
    await until('the first batch Ready', () => allReady(p), 600_000);

    let started = Date.now();
    await world.cp.restartApiserver();
    const restartMs = Date.now() - started;
    started = Date.now();
    await sc.createMappings(batch(p + 1));
    await until('the batch created after the apiserver restart Ready', () => allReady(2 * p), 600_000);
    const afterRestart = Date.now() - started;

    started = Date.now();
    proxy.blackhole();
    await sc.createMappings(batch(2 * p + 1));
    const gone = ['m1', 'm2'];
    await sc.deleteMappings(gone);
    const revision = await world.cp.compact();
    await new Promise((resolve) => setTimeout(resolve, size.outageMs)); // the outage itself, not a synchronisation
    proxy.heal();
    const healed = Date.now();
    await until('the mappings changed during the outage to converge', () => allReady(3 * p - gone.length), 600_000);
    const afterOutage = Date.now() - healed;
    const end = tally(sc, await sc.mappings(), users);
    if (!daemon.running()) end.details.push('the daemon did not survive');
    return {
      scenario: '4 apiserver restart/outage',
      tally: end,
      figures: `apiserver restart took ${seconds(restartMs)}, converged ${seconds(afterRestart)} after it; ${seconds(afterOutage)} after a ${seconds(size.outageMs)} outage with etcd compacted at revision ${revision}; same process: ${daemon.running() ? 'yes' : 'NO'} (pid ${daemon.pid})`,
    };
  } finally {
    await sc.close();
    await proxy.close();
  }
}
