/**
 * The list of controllers the daemon runs. Each entry registers its informers, indexes and controllers
 * on the manager before it starts; controller authors add their registrar to `registrars` below.
 */
import type { Logger } from '../../pkg/runtime/logging.ts';
import type { Manager } from '../../pkg/runtime/manager.ts';
import type { Flags } from './flags.ts';
import { registerAll } from './registrars.ts';

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

/** The registrars, in start order. */
const registrars: ControllerRegistrar[] = [registerAll];

/**
 * Runs every registrar; returns one Registration whose `close` closes all of them in reverse order.
 * Call before `manager.start()`.
 */
export async function registerControllers(manager: Manager, deps: ControllerDeps, list: readonly ControllerRegistrar[] = registrars): Promise<Registration> {
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
