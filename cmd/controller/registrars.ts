/**
 * The daemon's controllers: user sync (TeamsTenant, UserLicenseMapping, TeamsSync) and PresenceSync,
 * sharing one Graph client factory, one state database and the manager's metrics registry; `registerControllers` runs
 * them before the manager starts and closes what they opened after it stopped.
 */
import type { RequestListener } from 'node:http';
import { isIP } from 'node:net';
import path from 'node:path';
import { registerUserSyncControllers } from '../../controllers/index.ts';
import { registerPresenceSyncController } from '../../controllers/presencesync/index.ts';
import { kubeUsersAccess, usersHandler, UsersPathPrefix } from '../../controllers/teamstenant/users-endpoint.ts';
import { kubeTokenRequester, ServiceAccountTokens } from '../../controllers/shared/service-account-tokens.ts';
import { GraphClientFactory, type EndpointOverrides } from '../../pkg/graph/index.ts';
import { createSyncMetrics } from '../../pkg/metrics/sync-metrics.ts';
import { createDestinationPolicy, type DestinationPolicy } from '../../pkg/presence/destination-policy.ts';
import { createPresenceMetrics } from '../../pkg/presence/metrics.ts';
import { startPresenceListener, type PresenceListener } from '../../pkg/presence/presence-listener.ts';
import { PresenceStreamLog } from '../../pkg/presence/stream-log.ts';
import type { Logger } from '../../pkg/runtime/logging.ts';
import type { Manager } from '../../pkg/runtime/manager.ts';
import { openStateDatabase } from '../../pkg/state/database.ts';
import { registerContactSyncController } from '../../controllers/index.ts';
import { ContactStore, contactStoreMigrations } from '../../pkg/contacts/contact-store.ts';
import { createContactMetrics } from '../../pkg/contacts/metrics.ts';
import { deltaTokenMigrations, SqliteDeltaTokenStore } from '../../pkg/state/delta-tokens.ts';
import { OperationJournal, operationJournalMigrations } from '../../pkg/state/operation-journal.ts';
import { workersFor, type Flags } from './flags.ts';

/** Simulator or national-cloud overrides from the --graph-* flags; undefined when none is set. */
function graphEndpoints(flags: Flags): EndpointOverrides | undefined {
  const overrides = {
    ...(flags.graphAuthorityHost ? { authorityHost: flags.graphAuthorityHost } : {}),
    ...(flags.graphBaseUrl ? { graphBaseUrl: flags.graphBaseUrl.endsWith('/') ? flags.graphBaseUrl : `${flags.graphBaseUrl}/` } : {}),
    ...(flags.graphCaBundle ? { caBundlePath: flags.graphCaBundle } : {}),
    ...(Object.keys(flags.graphConnectTo).length > 0 ? { connectTo: flags.graphConnectTo } : {}),
  };
  return Object.keys(overrides).length === 0 ? undefined : overrides;
}

/** What a registrar may use: the parsed flags (workers, Graph endpoints, state DB) and the root logger. */
export interface ControllerDeps {
  readonly flags: Flags;
  readonly log: Logger;
}

/** Something to close after the manager stopped (databases, batch recorders, HTTP servers). */
export interface Registration {
  close(): Promise<void> | void;
}

/** Registers one group of controllers. */
export type ControllerRegistrar = (manager: Manager, deps: ControllerDeps) => Promise<Registration | void> | Registration | void;

/**
 * Runs every registrar; returns one Registration whose `close` closes all of them in reverse order.
 * Call before `manager.start()`.
 */
export async function registerControllers(manager: Manager, deps: ControllerDeps, list: readonly ControllerRegistrar[] = [registerAll]): Promise<Registration> {
  const registrations: Registration[] = [];
  for (const register of list) {
    const registration = await register(manager, deps);
    if (registration) registrations.push(registration);
  }
  return {
    async close() {
      for (const r of registrations.reverse()) await r.close();
    },
  };
}

/** Registers every controller of the daemon; returns what must be closed after the manager stopped. */
const registerAll: ControllerRegistrar = async (manager: Manager, { flags, log }: ControllerDeps): Promise<Registration> => {
  const endpoints = graphEndpoints(flags);
  const graph = new GraphClientFactory({
    registry: manager.metrics.registry,
    ...(endpoints === undefined ? {} : { endpoints }),
    // Graph writes share the Kubernetes writes' fence: none leaves a process that lost the leader lease.
    writeGuard: (what) => manager.fence.assertOpen(`Microsoft Graph ${what}`),
  });
  // ':memory:' keeps a daemon without --state-db working; a restart then re-reads tenants in full.
  const stateFile = flags.stateDb || ':memory:';
  const db = openStateDatabase(stateFile, [...deltaTokenMigrations, ...operationJournalMigrations, ...contactStoreMigrations]);
  // One cache of workload-identity tokens for every controller of the process.
  const serviceAccountTokens = new ServiceAccountTokens(kubeTokenRequester(manager.client));
  const userSync = registerUserSyncControllers(manager, {
    graph,
    serviceAccountTokens,
    graphEndpoints: endpoints,
    journal: new OperationJournal(db),
    deltaTokens: new SqliteDeltaTokenStore(db),
    metrics: createSyncMetrics(manager.metrics.registry),
    mappingWorkers: workersFor(flags, 'userlicensemapping'),
  });
  // Closing Auto batches writes TeamsSync records: do it while the lease is still held (writes are fenced after).
  manager.onDrained(() => userSync.batches.closeAll());
  // `kubectl teamssync users`: the tenants' eligibility view, per-tenant RBAC (docs/design/plugin-users.md).
  const usersSources = { directory: (key: string) => userSync.contexts.get(key)?.directory, mappingsOf: (key: string) => userSync.view.mappingsOf(key) };
  manager.addMetricsRoute(UsersPathPrefix, usersHandler(usersSources, kubeUsersAccess(manager.client)));
  const streamLog = PresenceStreamLog.open(flags.stateDb ? path.join(path.dirname(flags.stateDb), 'presence.db') : ':memory:');
  const presence = registerPresenceSyncController({
    manager,
    graph,
    serviceAccountTokens,
    log: streamLog,
    metrics: createPresenceMetrics(manager.metrics.registry),
    workers: workersFor(flags, 'presencesync'),
    destinationPolicy: webhookDestinations(flags),
    sessionLifetimeMs: flags.presenceSessionLifetimeMs,
  });
  // ContactSync's PBX directory endpoint shares the presence port, its TLS and its bearer-token rules.
  const contacts = registerContactSyncController({
    manager,
    graph,
    serviceAccountTokens,
    store: new ContactStore(db),
    metrics: createContactMetrics(manager.metrics.registry),
    workers: workersFor(flags, 'contactsync'),
  });
  const server = await listenPresence(flags, log, (req, res) => {
    if (!presence.http.handle(req, res) && !contacts.http.handle(req, res)) res.writeHead(404).end();
  });
  return {
    async close() {
      presence.http.closeAll();
      await server?.close();
      await userSync.batches.closeAll();
      streamLog.close();
      graph.closeAll();
      db.close();
    },
  };
};

/**
 * Where webhooks may deliver: the flags, plus the apiserver's own Service address (KUBERNETES_SERVICE_HOST) always
 * refused, so allowing a private range for a PBX never opens the apiserver.
 */
export function webhookDestinations(flags: Flags, env: NodeJS.ProcessEnv = process.env): DestinationPolicy {
  const apiserver = env['KUBERNETES_SERVICE_HOST'];
  const denied = [...flags.webhookDeniedCidrs, ...(apiserver !== undefined && isIP(apiserver) !== 0 ? [apiserver] : [])];
  return createDestinationPolicy({ allowHttp: flags.webhookAllowHttp, allowedCidrs: flags.webhookAllowedCidrs, deniedCidrs: denied });
}

/** Serves the presence stream and PBX endpoints (HTTPS when certificate files are given); "0" disables them. */
async function listenPresence(flags: Flags, log: Logger, handler: RequestListener): Promise<PresenceListener | undefined> {
  const address = flags.presenceBindAddress;
  if (address === '0' || address === '') return undefined;
  const listener = await startPresenceListener({
    address,
    handler,
    maxConnections: flags.presenceMaxConnections,
    headersTimeoutMs: flags.presenceHeaderTimeoutMs,
    requestTimeoutMs: flags.presenceRequestTimeoutMs,
    ...(flags.presenceTlsCertFile === '' ? {} : { tls: { certFile: flags.presenceTlsCertFile, keyFile: flags.presenceTlsKeyFile } }),
    onTlsEvent: (event) => {
      if (event.kind === 'reloaded') log.info('Presence TLS certificate reloaded');
      else log.warn({ reason: event.reason }, 'Presence TLS certificate not reloaded; the previous one stays in use');
    },
  });
  log.info({ endpoint: 'presence', bindAddress: address, port: listener.port, secure: listener.protocol === 'https' }, 'Serving endpoint');
  return listener;
}
