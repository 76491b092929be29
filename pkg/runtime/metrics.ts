import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** controller-runtime's reconcile-time buckets (0.005 s … 60 s, 40 buckets). */
const reconcileBuckets = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5, 6, 7, 8,
  9, 10, 15, 20, 25, 30, 40, 50, 60,
];
/** client-go's workqueue buckets: 1e-8 s … 1e3 s, ×10. */
const queueBuckets = Array.from({ length: 12 }, (_, i) => Number((1e-8 * 10 ** i).toPrecision(1)));

/** What a work queue reports at scrape time: its depth and the two "stuck worker" gauges. */
export interface InFlightProbe {
  /** Keys waiting to be handed out (`workqueue_depth`). */
  depth(): number;
  /** Sum of seconds all in-flight items have been processing. */
  unfinishedSeconds(): number;
  /** Seconds the oldest in-flight item has been processing. */
  longestRunningSeconds(): number;
}

/** A work queue's bound metric handles (labels `name` and `controller`, both set to the queue name). */
export interface WorkqueueMetrics {
  added(): void;
  queueLatency(seconds: number): void;
  workDuration(seconds: number): void;
  retried(): void;
}

/**
 * All runtime metrics on one prom-client registry, with controller-runtime / client-go names and labels so
 * dashboards built for Go operators work unchanged.
 * When to use: one instance per Manager (tests that run two managers in one process get two registries).
 * Gotcha: `workqueue(...)` and `registerInFlight` are keyed by queue name; names must be unique per registry.
 */
export class RuntimeMetrics {
  readonly registry: Registry;
  readonly reconcileTotal: Counter<'controller' | 'result'>;
  readonly reconcileErrors: Counter<'controller'>;
  readonly terminalReconcileErrors: Counter<'controller'>;
  readonly reconcilePanics: Counter<'controller'>;
  readonly reconcileTime: Histogram<'controller'>;
  readonly activeWorkers: Gauge<'controller'>;
  readonly maxConcurrentReconciles: Gauge<'controller'>;
  readonly restClientRequests: Counter<'code' | 'method' | 'host'>;
  readonly leaderStatus: Gauge<'name'>;
  readonly leaderSlowpath: Counter<'name'>;
  readonly informerRestarts: Counter<'resource' | 'reason'>;
  readonly informerRelists: Counter<'resource'>;
  readonly informerLastEvent: Gauge<'resource'>;
  readonly eventsDropped: Counter<'reason'>;
  private readonly queueAdds: Counter<'name' | 'controller'>;
  private readonly queueLatency: Histogram<'name' | 'controller'>;
  private readonly workDuration: Histogram<'name' | 'controller'>;
  private readonly retries: Counter<'name' | 'controller'>;
  private readonly inFlight = new Map<string, InFlightProbe>();

  constructor(opts: { registry?: Registry; defaultMetrics?: boolean } = {}) {
    const registers = [(this.registry = opts.registry ?? new Registry())];
    if (opts.defaultMetrics) collectDefaultMetrics({ register: this.registry });
    const c = <L extends string>(name: string, help: string, labelNames: L[]): Counter<L> => new Counter({ name, help, labelNames, registers });
    const g = <L extends string>(name: string, help: string, labelNames: L[]): Gauge<L> => new Gauge({ name, help, labelNames, registers });
    this.reconcileTotal = c('controller_runtime_reconcile_total', 'Total number of reconciliations per controller', ['controller', 'result']);
    this.reconcileErrors = c('controller_runtime_reconcile_errors_total', 'Total number of reconciliation errors per controller', ['controller']);
    this.terminalReconcileErrors = c('controller_runtime_terminal_reconcile_errors_total', 'Total number of terminal reconciliation errors per controller', [
      'controller',
    ]);
    this.reconcilePanics = c('controller_runtime_reconcile_panics_total', 'Total number of reconciliation panics per controller', ['controller']);
    this.reconcileTime = new Histogram({
      name: 'controller_runtime_reconcile_time_seconds',
      help: 'Length of time per reconciliation per controller',
      labelNames: ['controller'],
      buckets: reconcileBuckets,
      registers,
    });
    this.activeWorkers = g('controller_runtime_active_workers', 'Number of currently used workers per controller', ['controller']);
    this.maxConcurrentReconciles = g('controller_runtime_max_concurrent_reconciles', 'Maximum number of concurrent reconciles per controller', ['controller']);
    this.restClientRequests = c('rest_client_requests_total', 'Number of HTTP requests, partitioned by status code, method, and host.', [
      'code',
      'method',
      'host',
    ]);
    this.leaderStatus = g(
      'leader_election_master_status',
      'Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master.',
      ['name'],
    );
    this.leaderSlowpath = c('leader_election_slowpath_total', 'Total number of slow path exercised in renewing leader leases.', ['name']);
    this.informerRestarts = c('informer_restarts_total', 'Watch restarts per resource and reason (error, expired, watchdog, closed).', ['resource', 'reason']);
    this.informerRelists = c('informer_relists_total', 'Full LISTs per resource (initial sync and after 410 Gone).', ['resource']);
    this.informerLastEvent = g('informer_last_event_timestamp_seconds', 'Unix time of the last watch event or bookmark per resource.', ['resource']);
    this.eventsDropped = c('event_recorder_dropped_total', 'Kubernetes Events not written (spam filter or API error).', ['reason']);
    this.queueAdds = c('workqueue_adds_total', 'Total number of adds handled by workqueue', ['name', 'controller']);
    this.retries = c('workqueue_retries_total', 'Total number of retries handled by workqueue', ['name', 'controller']);
    this.queueLatency = new Histogram({
      name: 'workqueue_queue_duration_seconds',
      help: 'How long in seconds an item stays in workqueue before being requested',
      labelNames: ['name', 'controller'],
      buckets: queueBuckets,
      registers,
    });
    this.workDuration = new Histogram({
      name: 'workqueue_work_duration_seconds',
      help: 'How long in seconds processing an item from workqueue takes.',
      labelNames: ['name', 'controller'],
      buckets: queueBuckets,
      registers,
    });
    this.registerInFlightGauges(registers);
  }

  /** Bound handles for one queue; pre-creates its series at zero so dashboards see them before traffic. */
  workqueue(name: string): WorkqueueMetrics {
    const labels = { name, controller: name };
    this.queueAdds.inc(labels, 0);
    this.retries.inc(labels, 0);
    return {
      added: () => this.queueAdds.inc(labels),
      queueLatency: (s) => this.queueLatency.observe(labels, s),
      workDuration: (s) => this.workDuration.observe(labels, s),
      retried: () => this.retries.inc(labels),
    };
  }

  /** Registers (or with `undefined`, removes) the scrape-time probe behind the depth and the two in-flight gauges. */
  registerInFlight(name: string, probe: InFlightProbe | undefined): void {
    if (probe) this.inFlight.set(name, probe);
    else this.inFlight.delete(name);
  }

  /** Pre-initialises a controller's series (controller-runtime does the same for every result label). */
  initController(controller: string, workers: number): void {
    for (const result of ['success', 'error', 'requeue', 'requeue_after']) this.reconcileTotal.inc({ controller, result }, 0);
    this.reconcileErrors.inc({ controller }, 0);
    this.terminalReconcileErrors.inc({ controller }, 0);
    this.reconcilePanics.inc({ controller }, 0);
    this.activeWorkers.set({ controller }, 0);
    this.maxConcurrentReconciles.set({ controller }, workers);
  }

  /**
   * The gauges read from each queue's probe when scraped. The depth too: set at every add and hand-out, prom-client
   * sorted and hashed its labels each time (~9 MiB of garbage in the runtime bench's 5,000 status writes, a tenth
   * of what its own code allocated), for a value only a scrape reads.
   */
  private registerInFlightGauges(registers: Registry[]): void {
    const inFlight = this.inFlight;
    new Gauge({
      name: 'workqueue_depth',
      help: 'Current depth of workqueue',
      labelNames: ['name', 'controller'],
      registers,
      collect() {
        for (const [name, probe] of inFlight) this.set({ name, controller: name }, probe.depth());
      },
    });
    new Gauge({
      name: 'workqueue_unfinished_work_seconds',
      help: "How many seconds of work has been done that is in progress and hasn't been observed by work_duration. Large values indicate stuck threads.",
      labelNames: ['name', 'controller'],
      registers,
      collect() {
        for (const [name, probe] of inFlight) this.set({ name, controller: name }, probe.unfinishedSeconds());
      },
    });
    new Gauge({
      name: 'workqueue_longest_running_processor_seconds',
      help: 'How many seconds has the longest running processor for workqueue been running.',
      labelNames: ['name', 'controller'],
      registers,
      collect() {
        for (const [name, probe] of inFlight) this.set({ name, controller: name }, probe.longestRunningSeconds());
      },
    });
  }
}
