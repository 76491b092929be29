/**
 * The metric names the controller daemon exports, built from the same factories cmd/controller/registrars.ts uses on
 * the Manager's registry, so alert and dashboard tests can prove they refer to real metrics without a running daemon.
 */
import { graphMetrics } from '../../pkg/graph/metrics.ts';
import { createSyncMetrics } from '../../pkg/metrics/sync-metrics.ts';
import { createPresenceMetrics } from '../../pkg/presence/metrics.ts';
import { RuntimeMetrics } from '../../pkg/runtime/metrics.ts';

/** Prefixes of the controller's own metric families (process_* and nodejs_* come from prom-client's defaults). */
const ownPrefixes = [
  'teamssync_',
  'graph_',
  'presence_',
  'controller_runtime_',
  'leader_election_',
  'workqueue_',
  'rest_client_',
  'informer_',
  'event_recorder_',
];

/** Every series name a scrape of the daemon can contain (histograms expand to _bucket, _sum and _count). */
export async function exportedMetricNames(): Promise<Set<string>> {
  const runtime = new RuntimeMetrics({ defaultMetrics: true });
  graphMetrics(runtime.registry);
  createSyncMetrics(runtime.registry);
  createPresenceMetrics(runtime.registry);
  const names = new Set<string>();
  for (const metric of await runtime.registry.getMetricsAsJSON()) {
    names.add(metric.name);
    if (String(metric.type) === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${metric.name}${suffix}`);
  }
  return names;
}

/** The controller's metric names used in a PromQL expression (label values and functions are not matched). */
export function metricNamesIn(expr: string): string[] {
  const withoutStrings = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  const words = withoutStrings.match(/[a-zA-Z_:][a-zA-Z0-9_:]*/g) ?? [];
  return [...new Set(words.filter((w) => ownPrefixes.some((p) => w.startsWith(p))))];
}
