/**
 * The controller daemon: flags/env → manager → controllers → run until SIGTERM. No logic lives here.
 *   node --import tsx cmd/controller/main.ts --kubeconfig ~/.kube/config --leader-elect=true
 */
import { sanitize } from '../../pkg/graph/index.ts';
import { KubeconfigError, loadClusterConnection, type ClusterConnection } from '../../pkg/runtime/kubeconfig.ts';
import { createLogger, type Logger } from '../../pkg/runtime/logging.ts';
import { Manager } from '../../pkg/runtime/manager.ts';
import { handleShutdownSignals } from '../../pkg/runtime/signals.ts';
import { registerControllers } from './registrars.ts';
import { FlagError, parseFlags, usage, type Flags } from './flags.ts';

function loadFlags(): Flags {
  try {
    const flags = parseFlags(process.argv.slice(2), process.env);
    if (flags.help) {
      process.stdout.write(usage());
      process.exit(0);
    }
    return flags;
  } catch (err) {
    if (!(err instanceof FlagError)) throw err;
    process.stderr.write(`${err.message}\n\n${usage()}`);
    process.exit(2);
  }
}

/** The apiserver connection: --kubeconfig (or KUBECONFIG, which the flag falls back to), in-cluster, ~/.kube/config. */
function loadConnection(flags: Flags, log: Logger): ClusterConnection {
  try {
    return loadClusterConnection({ kubeconfig: flags.kubeconfig });
  } catch (err) {
    if (!(err instanceof KubeconfigError)) throw err;
    // A configuration mistake, not a crash: one line saying which file, context or field (never a credential).
    log.fatal(err.message);
    process.exit(1);
  }
}

function guardProcess(log: Logger): void {
  // A stray rejection is a bug, but one bad object must not take the daemon down with it.
  process.on('unhandledRejection', (err) => log.error({ err }, 'Unhandled promise rejection'));
  process.on('uncaughtException', (err) => {
    log.fatal({ err }, 'Uncaught exception, exiting');
    process.exit(1);
  });
}

async function main(): Promise<void> {
  const flags = loadFlags();
  // Every value of every line is scrubbed too (known secrets, tokens, query strings), not only secret-named keys.
  const log = createLogger({ level: flags.logLevel, name: 'teams-sync-controller', scrub: sanitize });
  guardProcess(log);
  const manager = new Manager({
    connection: loadConnection(flags, log),
    namespace: flags.namespace,
    metricsBindAddress: flags.metricsBindAddress,
    ...(flags.metricsSecure ? { secureMetrics: flags.metricsCertFile === '' ? {} : { certFile: flags.metricsCertFile, keyFile: flags.metricsKeyFile } } : {}),
    healthProbeBindAddress: flags.healthProbeBindAddress,
    gracefulShutdownTimeoutMs: flags.gracefulShutdownTimeoutMs,
    leaderElection: {
      enabled: flags.leaderElect,
      namespace: flags.leaderElectionNamespace,
      id: flags.leaderElectionId,
      leaseDurationMs: flags.leaseDurationMs,
      renewDeadlineMs: flags.renewDeadlineMs,
      retryPeriodMs: flags.retryPeriodMs,
    },
    logger: log,
    userAgent: 'teams-sync-controller',
  });
  const registration = await registerControllers(manager, { flags, log });
  handleShutdownSignals(async () => {
    await manager.stop();
    await registration.close();
  }, log);
  try {
    await manager.start();
  } catch (err) {
    log.fatal({ err }, 'Manager failed to start');
    await manager.stop().catch(() => undefined);
    process.exit(1);
  }
  log.info({ namespace: flags.namespace || '*', leaderElect: flags.leaderElect, ports: manager.boundPorts }, 'Controller manager running');
}

await main();
