import type { Logger } from './logging.ts';

/**
 * SIGTERM/SIGINT handling of a controller process (controller-runtime `SetupSignalHandler`): the first
 * signal runs `shutdown` (graceful: drain, release the lease) and then exits 0 (1 if shutdown failed);
 * a second signal exits 1 at once.
 * When to use: once, in `cmd/*`. Returns a function that removes the handlers (tests).
 */
export function handleShutdownSignals(shutdown: () => Promise<void>, log: Logger, exit: (code: number) => void = (code) => process.exit(code)): () => void {
  let received = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    received++;
    if (received > 1) {
      log.warn({ signal }, 'Second signal received, exiting immediately');
      exit(1);
      return;
    }
    log.info({ signal }, 'Signal received, shutting down');
    shutdown().then(
      () => exit(0),
      (err: unknown) => {
        log.error({ err }, 'Shutdown failed');
        exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return () => {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  };
}
