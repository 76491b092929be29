/**
 * Prometheus metrics of ContactSync: the counters that do not belong in status (Graph rounds, directory changes, PBX
 * reads). Series carry `sync` ("namespace/name") only where the value is per ContactSync and the caller is trusted;
 * refusals of the directory endpoint are counted without it (labels never come from unauthenticated input).
 */
import { Counter, Gauge, type Registry } from 'prom-client';

/** The metric handles; see {@link createContactMetrics}. */
export interface ContactMetrics {
  /** Delta rounds by mode (initial, incremental, resync). */
  readonly rounds: Counter<'sync' | 'mode'>;
  /** Directory entries added, updated or removed by publishing. */
  readonly changes: Counter<'sync' | 'op'>;
  readonly published: Gauge<'sync'>;
  readonly unreadableMailboxes: Gauge<'sync'>;
  /** Directory endpoint answers by result (ok, notModified, refused, reset). */
  readonly httpRequests: Counter<'result'>;
}

/**
 * Creates and registers the metrics on `registry`.
 *
 * When to use: once per registry at start-up. Gotchas: prom-client throws if the names are registered twice on one
 * registry; use a fresh Registry in tests.
 */
export function createContactMetrics(registry: Registry): ContactMetrics {
  const registers = [registry];
  return {
    rounds: new Counter({
      name: 'contacts_delta_rounds_total',
      help: 'Graph delta rounds read by ContactSync, by mode.',
      labelNames: ['sync', 'mode'],
      registers,
    }),
    changes: new Counter({
      name: 'contacts_directory_changes_total',
      help: 'PBX directory entries added, updated or removed.',
      labelNames: ['sync', 'op'],
      registers,
    }),
    published: new Gauge({ name: 'contacts_published', help: 'Entries in the PBX directory of a ContactSync.', labelNames: ['sync'], registers }),
    unreadableMailboxes: new Gauge({
      name: 'contacts_unreadable_mailboxes',
      help: 'Selected mailboxes that could not be read in the last pass.',
      labelNames: ['sync'],
      registers,
    }),
    httpRequests: new Counter({ name: 'contacts_directory_requests_total', help: 'Directory endpoint answers, by result.', labelNames: ['result'], registers }),
  };
}
