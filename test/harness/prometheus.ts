/**
 * A real Prometheus server for tests (Debian's `prometheus`, installed by tools/bootstrap.sh together with promtool):
 * its own temp config, rule files and TSDB directory, listening on a free loopback port, scraping the given targets
 * every second and evaluating rules every second, so a test sees what an operator's Prometheus would see.
 *
 *   const prom = await startPrometheus({ targets: [{ job: 'controller', address: '127.0.0.1:8080' }], ruleFiles });
 *   await prom.waitForAlert('TeamsTenantCannotAuthenticate', 'firing', { tenant: 'contoso' });
 *   await prom.stop();
 *
 * Gotcha: the Debian package also installs a `prometheus` service on :9090; bootstrap stops it, and this harness never
 * uses a fixed port, so the two cannot collide.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { freePort, waitFor } from '../../pkg/envtest/ports.ts';
import { startProcess, type ManagedProcess } from '../../pkg/envtest/processes.ts';

/** One scrape target: `address` is host:port, `metricsPath` defaults to /metrics. */
export interface ScrapeTarget {
  readonly job: string;
  readonly address: string;
  readonly metricsPath?: string;
  /** Extra labels on every series of the target (as a ServiceMonitor's relabelling would add namespace, pod…). */
  readonly labels?: Readonly<Record<string, string>>;
  /** Prometheus's honor_labels: the scraped series' own labels win over `labels` (default false, as in Prometheus). */
  readonly honorLabels?: boolean;
  /** `https` scrapes over TLS (default `http`). */
  readonly scheme?: 'http' | 'https';
  /** Sent as `Authorization: Bearer …`, from a credentials file (as a ServiceMonitor's bearerTokenFile). */
  readonly bearerToken?: string;
  /** tls_config.insecure_skip_verify (a self-signed serving certificate, as the shipped ServiceMonitor's tlsConfig). */
  readonly insecureSkipVerify?: boolean;
}

/** Options of {@link startPrometheus}. */
export interface PrometheusOptions {
  readonly targets: readonly ScrapeTarget[];
  /** Plain Prometheus rule files (groups:), not PrometheusRule objects; see prometheus-rules.ts. */
  readonly ruleFiles?: readonly string[];
  /** Scrape and rule evaluation interval; default 1s. */
  readonly intervalSeconds?: number;
}

/** One element of an instant query's vector result. */
export interface Sample {
  readonly metric: Readonly<Record<string, string>>;
  readonly value: readonly [number, string];
}

/** One alert of /api/v1/alerts. */
export interface PrometheusAlert {
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly state: 'pending' | 'firing';
  readonly activeAt: string;
  readonly value: string;
}

/** The result of an instant query (any result type: vector, matrix, scalar or string). */
export interface QueryResult {
  readonly resultType: 'vector' | 'matrix' | 'scalar' | 'string';
  readonly result: unknown;
}

/** A running Prometheus. */
export interface RunningPrometheus {
  /** http://127.0.0.1:port */
  readonly url: string;
  readonly process: ManagedProcess;
  /** Instant query; rejects with Prometheus's error text when the query is invalid. */
  query(expr: string): Promise<QueryResult>;
  /** Instant query that must return a vector. */
  vector(expr: string): Promise<Sample[]>;
  /** Active (pending or firing) alerts. */
  alerts(): Promise<PrometheusAlert[]>;
  /** Waits until an alert named `name` whose labels include `labels` is in `state`; returns it. */
  waitForAlert(name: string, state: 'pending' | 'firing', labels?: Readonly<Record<string, string>>, timeoutMs?: number): Promise<PrometheusAlert>;
  /** Waits until no alert named `name` with `labels` is active (pending or firing). */
  waitForNoAlert(name: string, labels?: Readonly<Record<string, string>>, timeoutMs?: number): Promise<void>;
  /** Waits until every target has been scraped successfully at least once. */
  waitForTargetsUp(timeoutMs?: number): Promise<void>;
  /** Waits until `expr` returns a non-empty vector; returns it. */
  waitForSamples(expr: string, timeoutMs?: number): Promise<Sample[]>;
  stop(): Promise<void>;
}

interface ApiResponse<T> {
  readonly status: 'success' | 'error';
  readonly data?: T;
  readonly errorType?: string;
  readonly error?: string;
}

/** The `prometheus` binary: PROMETHEUS_BIN, else from PATH. Throws with the bootstrap hint when missing. */
function prometheusBinary(): string {
  const configured = process.env['PROMETHEUS_BIN'];
  if (configured) return configured;
  try {
    return execFileSync('sh', ['-c', 'command -v prometheus'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('prometheus not found: tools/bootstrap.sh installs the Debian package `prometheus`');
  }
}

function configYaml(options: PrometheusOptions, ruleFiles: readonly string[], tokenFiles: readonly (string | undefined)[]): string {
  const interval = `${options.intervalSeconds ?? 1}s`;
  return stringify({
    global: { scrape_interval: interval, evaluation_interval: interval, scrape_timeout: interval },
    rule_files: [...ruleFiles],
    scrape_configs: options.targets.map((target, i) => ({
      job_name: target.job,
      metrics_path: target.metricsPath ?? '/metrics',
      honor_labels: target.honorLabels ?? false,
      ...(target.scheme === undefined ? {} : { scheme: target.scheme }),
      ...(tokenFiles[i] === undefined ? {} : { authorization: { type: 'Bearer', credentials_file: tokenFiles[i] } }),
      ...(target.insecureSkipVerify === undefined ? {} : { tls_config: { insecure_skip_verify: target.insecureSkipVerify } }),
      static_configs: [{ targets: [target.address], ...(target.labels === undefined ? {} : { labels: target.labels }) }],
    })),
  });
}

function matches(alert: PrometheusAlert, name: string, labels: Readonly<Record<string, string>>): boolean {
  if (alert.labels['alertname'] !== name) return false;
  return Object.entries(labels).every(([key, value]) => alert.labels[key] === value);
}

/** Starts Prometheus and waits until it is ready; retries once on a lost port race. */
export async function startPrometheus(options: PrometheusOptions): Promise<RunningPrometheus> {
  const binary = prometheusBinary();
  const dir = await mkdtemp(path.join(tmpdir(), 'tsc-prometheus-'));
  const configFile = path.join(dir, 'prometheus.yml');
  const tokenFiles = await Promise.all(
    options.targets.map(async (target, i) => {
      if (target.bearerToken === undefined) return undefined;
      const file = path.join(dir, `target-${i}.token`);
      await writeFile(file, target.bearerToken, { mode: 0o600 });
      return file;
    }),
  );
  await writeFile(configFile, configYaml(options, options.ruleFiles ?? [], tokenFiles));
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const proc = startProcess(
      'prometheus',
      binary,
      [
        `--config.file=${configFile}`,
        `--storage.tsdb.path=${path.join(dir, `data-${attempt}`)}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--storage.tsdb.retention.time=1h',
        '--log.level=warn',
      ],
      path.join(dir, `prometheus-${attempt}.log`),
    );
    try {
      await waitFor(
        'prometheus /-/ready',
        async () => {
          if (proc.child.exitCode !== null) throw new Error(`prometheus exited with ${proc.child.exitCode}:\n${await proc.tail()}`);
          const res = await fetch(`${url}/-/ready`);
          return res.ok;
        },
        30_000,
        100,
      );
      return running(url, proc, dir, options);
    } catch (error) {
      lastError = error;
      await proc.stop(5_000);
    }
  }
  await rm(dir, { recursive: true, force: true });
  throw lastError instanceof Error ? lastError : new Error(String(lastError));
}

function running(url: string, proc: ManagedProcess, dir: string, options: PrometheusOptions): RunningPrometheus {
  async function api<T>(pathAndQuery: string): Promise<T> {
    const res = await fetch(`${url}${pathAndQuery}`);
    const body = (await res.json()) as ApiResponse<T>;
    if (body.status !== 'success' || body.data === undefined)
      throw new Error(`prometheus ${pathAndQuery}: ${body.errorType ?? res.status} ${body.error ?? ''}`);
    return body.data;
  }
  const self: RunningPrometheus = {
    url,
    process: proc,
    query: (expr) => api<QueryResult>(`/api/v1/query?query=${encodeURIComponent(expr)}`),
    async vector(expr) {
      const data = await self.query(expr);
      if (data.resultType !== 'vector') throw new Error(`${expr}: expected a vector, got a ${data.resultType}`);
      return data.result as Sample[];
    },
    async alerts() {
      return (await api<{ alerts: PrometheusAlert[] }>('/api/v1/alerts')).alerts;
    },
    async waitForAlert(name, state, labels = {}, timeoutMs = 120_000) {
      let found: PrometheusAlert | undefined;
      await waitFor(
        `alert ${name} ${JSON.stringify(labels)} ${state}`,
        async () => {
          found = (await self.alerts()).find((alert) => matches(alert, name, labels) && alert.state === state);
          return found !== undefined;
        },
        timeoutMs,
        250,
      );
      return found as PrometheusAlert;
    },
    async waitForNoAlert(name, labels = {}, timeoutMs = 120_000) {
      await waitFor(
        `alert ${name} ${JSON.stringify(labels)} resolved`,
        async () => !(await self.alerts()).some((alert) => matches(alert, name, labels)),
        timeoutMs,
        250,
      );
    },
    async waitForTargetsUp(timeoutMs = 60_000) {
      const jobs = new Set(options.targets.map((t) => t.job));
      await waitFor(
        `targets ${[...jobs].join(', ')} up`,
        async () => {
          const up = await self.vector('up == 1');
          return [...jobs].every((job) => up.some((s) => s.metric['job'] === job));
        },
        timeoutMs,
        250,
      );
    },
    async waitForSamples(expr, timeoutMs = 60_000) {
      let samples: Sample[] = [];
      await waitFor(
        `samples of ${expr}`,
        async () => {
          samples = await self.vector(expr);
          return samples.length > 0;
        },
        timeoutMs,
        250,
      );
      return samples;
    },
    async stop() {
      await proc.stop(10_000);
      await rm(dir, { recursive: true, force: true });
    },
  };
  return self;
}
