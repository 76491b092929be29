/**
 * PresenceSync apply: hand the plan to the object's long-lived runner (creating it on first sight), or stop the
 * runner when the object cannot run. All Graph I/O happens inside the runner's parts, not here.
 */
import type { PresenceSyncPlan } from './plan.ts';
import type { ObservedPresenceSync } from './observe.ts';
import type { PresenceRunnerRegistry } from './registry.ts';
import type { PresenceSyncRunner, RunnerDeps } from './runner.ts';

/** What a new runner is built with (everything but its key). */
export type RunnerFactoryDeps = Omit<RunnerDeps, 'key'>;

/**
 * Starts or updates the runner of `key` for `plan`.
 *
 * When to use: the reconciler, after plan, on every pass (the runner makes repeated calls cheap).
 * Gotchas: a suspended plan keeps the runner (its stream stays readable) but stops polling, deliveries and writes.
 */
export async function applyPresenceSync(
  registry: PresenceRunnerRegistry,
  deps: RunnerFactoryDeps,
  key: string,
  observed: ObservedPresenceSync,
  plan: PresenceSyncPlan,
): Promise<PresenceSyncRunner> {
  const runner = registry.ensure(key, deps);
  await runner.apply({
    plan,
    client: observed.client,
    pbxTokens: observed.pbxTokens,
    streamTokens: observed.streamTokens,
    ...(observed.webhook === undefined ? {} : { webhook: observed.webhook }),
  });
  // Open streams are re-checked against the new settings: a rotated token or a stream turned off ends them.
  registry.changed(key);
  return runner;
}

/**
 * Stops the runner of `key`, if any.
 *
 * When to use: the object was deleted, or observe found it cannot run (bad spec, no tenant, no credentials).
 */
export async function stopPresenceSync(registry: PresenceRunnerRegistry, key: string): Promise<void> {
  await registry.remove(key);
}
