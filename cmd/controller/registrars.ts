/**
 * The daemon's controllers: user sync (TeamsTenant, UserLicenseMapping, TeamsSync) and PresenceSync,
 * sharing one Graph client factory, one state database and the manager's metrics registry.
 */
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { registerUserSyncControllers } from '../../controllers/index.ts';
import { registerPresenceSyncController } from '../../controllers/presencesync/index.ts';
import { GraphClientFactory, type EndpointOverrides } from '../../pkg/graph/index.ts';
import { createSyncMetrics } from '../../pkg/metrics/sync-metrics.ts';
import { createPresenceMetrics } from '../../pkg/presence/metrics.ts';
import { PresenceStreamLog } from '../../pkg/presence/stream-log.ts';
import type { Manager } from '../../pkg/runtime/manager.ts';
import { openStateDatabase } from '../../pkg/state/database.ts';
import { deltaTokenMigrations, SqliteDeltaTokenStore } from '../../pkg/state/delta-tokens.ts';
import { OperationJournal, operationJournalMigrations } from '../../pkg/state/operation-journal.ts';
import type { ControllerDeps, ControllerRegistrar, Registration } from './controllers.ts';
import { workersFor, type Flags } from './flags.ts';

/** Simulator or national-cloud overrides from the --graph-* flags; undefined when none is set. */
export function graphEndpoints(flags: Flags): EndpointOverrides | undefined {
  const overrides = {
    ...(flags.graphAuthorityHost ? { authorityHost: flags.graphAuthorityHost } : {}),
    ...(flags.graphBaseUrl ? { graphBaseUrl: flags.graphBaseUrl.endsWith('/') ? flags.graphBaseUrl : `${flags.graphBaseUrl}/` } : {}),
    ...(flags.graphCaBundle ? { caBundlePath: flags.graphCaBundle } : {}),
  };
  return Object.keys(overrides).length === 0 ? undefined : overrides;
}

/** Registers every controller of the daemon; returns what must be closed after the manager stopped. */
export const registerAll: ControllerRegistrar = async (manager: Manager, { flags }: ControllerDeps): Promise<Registration> => {
  const endpoints = graphEndpoints(flags);
  const graph = new GraphClientFactory({ registry: manager.metrics.registry, ...(endpoints === undefined ? {} : { endpoints }) });
  // ':memory:' keeps a daemon without --state-db working; a restart then re-reads tenants in full.
  const stateFile = flags.stateDb || ':memory:';
  const db = openStateDatabase(stateFile, [...deltaTokenMigrations, ...operationJournalMigrations]);
  const userSync = registerUserSyncControllers(manager, {
    graph,
    graphEndpoints: endpoints,
    journal: new OperationJournal(db),
    deltaTokens: new SqliteDeltaTokenStore(db),
    metrics: createSyncMetrics(manager.metrics.registry),
    mappingWorkers: workersFor(flags, 'userlicensemapping'),
  });
  const streamLog = PresenceStreamLog.open(flags.stateDb ? path.join(path.dirname(flags.stateDb), 'presence.db') : ':memory:');
  const presence = registerPresenceSyncController({
    manager, graph, log: streamLog, metrics: createPresenceMetrics(manager.metrics.registry), workers: workersFor(flags, 'presencesync'),
  });
  const server = await listenPresence(flags.presenceBindAddress, (req, res) => {
    if (!presence.http.handle(req, res)) res.writeHead(404).end();
  });
  return {
    async close() {
      presence.http.closeAll();
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
      await userSync.batches.closeAll();
      streamLog.close();
      graph.closeAll();
      db.close();
    },
  };
};

/** Serves the presence stream and PBX endpoints; "0" disables them. */
async function listenPresence(address: string, handler: Parameters<typeof createServer>[1]): Promise<Server | undefined> {
  if (address === '0' || address === '') return undefined;
  const separator = address.lastIndexOf(':');
  const host = address.slice(0, separator) || '0.0.0.0';
  const port = Number(address.slice(separator + 1));
  const server = createServer(handler);
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, host, resolve));
  return server;
}
