/**
 * Figures for the user-sync bench: Graph calls by route, the theoretical minimum, the
 * throttle-bound floor, and apiserver writes from the runtime's request counter.
 */
import type { Registry } from 'prom-client';
import type { RequestCount } from '../../pkg/m365sim/index.ts';

/** Graph calls per `METHOD route` (all statuses). */
export function countsByRoute(counts: readonly RequestCount[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const c of counts) out.set(`${c.method} ${c.route}`, (out.get(`${c.method} ${c.route}`) ?? 0) + c.count);
  return out;
}

/**
 * The fewest Graph calls that can configure N users with `policies` policies each: per user one
 * assignNumber, one poll of its operation, one assign per policy and one read-back of the user's
 * configuration to confirm (Ready means Microsoft 365 reports it); plus paged tenant reads.
 */
export function minimumGraphCalls(n: number, policies: number): { total: number; explain: string } {
  const perUser = 1 + 1 + policies + 1;
  const paged = Math.ceil(n / 100) * 2 + Math.ceil(n / 1000) + policies + 2;
  return { total: n * perUser + paged, explain: `${perUser} per user (assign, poll, ${policies} policies, confirm) + ${paged} paged/tenant reads` };
}

/** Seconds the Teams admin budget needs for the per-user Teams calls of the minimum. */
export function throttleFloorSeconds(n: number, policies: number, teamsPerSecond: number): number {
  return (n * (1 + 1 + policies + 1)) / teamsPerSecond;
}

/** Non-GET requests the process sent to the apiserver (rest_client_requests_total). */
export async function restWrites(registry: Registry): Promise<number> {
  const metric = registry.getSingleMetric('rest_client_requests_total');
  const { values } = (await metric?.get()) ?? { values: [] };
  return values.filter((v) => v.labels['method'] !== 'GET').reduce((n, v) => n + v.value, 0);
}

/** Prints rows as an aligned table. */
export function printTable(rows: readonly string[][], header: readonly string[]): void {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  for (const r of all) console.log(r.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  '));
}

/** Non-GET apiserver requests by method and status code, e.g. "PATCH 200: 900, POST 201: 301". */
export async function restWriteBreakdown(registry: Registry): Promise<string> {
  const metric = registry.getSingleMetric('rest_client_requests_total');
  const { values } = (await metric?.get()) ?? { values: [] };
  const sums = new Map<string, number>();
  for (const v of values) {
    if (v.labels['method'] === 'GET') continue;
    const key = `${v.labels['method']} ${v.labels['code']}`;
    sums.set(key, (sums.get(key) ?? 0) + v.value);
  }
  return [...sums.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k}: ${n}`)
    .join(', ');
}
