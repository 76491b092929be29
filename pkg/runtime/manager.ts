import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { sleep } from './clock.ts';
import { Controller, type ControllerOptions } from './controller.ts';
import { KubeEventSink } from './event-sink.ts';
import { EventRecorder } from './events.ts';
import { watchTlsFiles } from '../presence/tls-files.ts';
import { startManagerEndpoints, type HealthCheck, type HttpEndpoint, type Routes, type SecureMetricsServing } from './http-server.ts';
import { Informer } from './informer.ts';
import { KubeClient } from './kube-client.ts';
import { LeaderElector } from './leader-election.ts';
import { silentLogger, type Logger } from './logging.ts';
import type { ManagerOptions } from './manager-options.ts';
import { RuntimeMetrics } from './metrics.ts';
import { kubeScrapeAuthorizer } from './scrape-authorizer.ts';
import { createSelfSignedCertificate } from './self-signed-certificate.ts';
import type { KubeObject, ResourceRef } from './resource.ts';
import { StatusWriter } from './status.ts';
import type { IndexFunc } from './store.ts';
import { WriteFence } from './write-fence.ts';

export type { ManagerOptions } from './manager-options.ts';

/** Scope of a shared informer. */
export interface InformerScope<T extends KubeObject> {
  /** Overrides the manager's namespace; '' = all namespaces. */
  readonly namespace?: string;
  readonly labelSelector?: string;
  /** Indexes to register (idempotent per name + function). */
  readonly indexes?: Record<string, IndexFunc<T>>;
  /**
   * Projects each object before it is cached (client-go's `SetTransform`, controller-runtime's `TransformByObject`):
   * keep only the fields every reader of this cache uses. Part of the informer's identity: every call for the same
   * resource and scope must name the same function (or none), else `informer()` throws, so no reader is handed a
   * projection it did not ask for. Writes must be built from a fresh GET, never from a projected object.
   */
  readonly transform?: (obj: T) => T;
}

/**
 * Owns everything a controller process shares (controller-runtime `Manager`): the REST client, shared
 * informers, the metrics registry, health/metrics HTTP endpoints, the status writer, the Event recorder,
 * and leader election. `start()` serves probes, starts the caches, waits for them to sync (2 min), then
 * campaigns; controllers run only while leader and are aborted the moment leadership is lost (then the
 * process exits, unless `onLeaderLost: 'standby'`). `stop()` drains in-flight reconciles (30 s), releases
 * the lease, stops the caches and closes the endpoints, in that order.
 *
 * Fencing: with leader election, the manager's client refuses every Kubernetes write unless this process
 * holds an unexpired write term (see {@link WriteFence}), and every reconcile's `ctx.signal` aborts when
 * the term ends, which cancels Microsoft 365 calls given that signal. The term ends `renewDeadline` after
 * the last successful renewal began, before any other replica can acquire the lease. Code that writes to
 * Microsoft 365 outside a reconcile must check `manager.fence` itself.
 *
 * Gotchas: register informers, indexes and controllers before `start()`; readiness means "caches synced
 * and watches healthy", not "is leader", so standby replicas stay Ready (and cannot write).
 */
export class Manager {
  readonly client: KubeClient;
  readonly metrics: RuntimeMetrics;
  readonly log: Logger;
  readonly statusWriter: StatusWriter;
  readonly events: EventRecorder;
  readonly identity: string;
  /** The right to write: always open without leader election, held while leading with it. */
  readonly fence: WriteFence;
  private readonly opts: ManagerOptions;
  private readonly informers = new Map<string, Informer<KubeObject>>();
  private readonly controllers: Controller[] = [];
  private readonly healthz: HealthCheck[] = [{ name: 'ping', check: () => undefined }];
  private readonly readyz: HealthCheck[] = [];
  private readonly metricsRoutes: Routes = {};
  private readonly drainedHooks: (() => Promise<void>)[] = [];
  private readonly elector: LeaderElector | undefined;
  private readonly endpoints: HttpEndpoint[] = [];
  private stopCertificateWatch: (() => void) | undefined;
  private onCertificateChange: ((tls: { cert: string; key: string }) => void) | undefined;
  private readonly stopTaking = new AbortController();
  private readonly abortInFlight = new AbortController();
  private readonly stopElection = new AbortController();
  private electionLoop: Promise<void> = Promise.resolve();
  private controllersDone: Promise<void> = Promise.resolve();
  private started = false;
  private stopping: Promise<void> | undefined;
  private ports: { metrics?: number; probes?: number } = {};

  constructor(opts: ManagerOptions) {
    this.opts = opts;
    this.log = opts.logger ?? silentLogger();
    this.metrics = opts.metrics ?? new RuntimeMetrics({ defaultMetrics: true });
    this.fence = opts.leaderElection?.enabled ? new WriteFence() : WriteFence.open();
    this.client = new KubeClient(opts.connection, { metrics: this.metrics, writeFence: this.fence, ...(opts.userAgent ? { userAgent: opts.userAgent } : {}) });
    this.identity = opts.leaderElection?.identity ?? `${hostname()}_${randomUUID()}`;
    this.statusWriter = new StatusWriter(this.client, { logger: this.log });
    this.events = new EventRecorder({
      sink: new KubeEventSink(this.client),
      reportingController: opts.reportingController ?? 'teamssync.io/teams-sync-controller',
      reportingInstance: this.identity,
      logger: this.log,
      metrics: this.metrics,
    });
    const le = opts.leaderElection;
    if (le?.enabled) {
      this.elector = new LeaderElector({
        client: this.client,
        namespace: le.namespace,
        name: le.id,
        identity: this.identity,
        logger: this.log,
        metrics: this.metrics,
        leaseDurationMs: le.leaseDurationMs,
        renewDeadlineMs: le.renewDeadlineMs,
        retryPeriodMs: le.retryPeriodMs,
        releaseOnCancel: le.releaseOnCancel,
        fence: this.fence,
      });
    }
    this.readyz.push({ name: 'informers', check: () => this.informerProblem() });
  }

  /** The shared informer for `resource` in a scope; created on first use. */
  informer<T extends KubeObject>(resource: ResourceRef, scope: InformerScope<T> = {}): Informer<T> {
    const namespace = resource.namespaced ? (scope.namespace ?? this.opts.namespace ?? '') : '';
    const key = `${resource.group}/${resource.plural}|${namespace}|${scope.labelSelector ?? ''}`;
    let informer = this.informers.get(key) as Informer<T> | undefined;
    const transform = scope.transform as ((obj: KubeObject) => KubeObject) | undefined;
    if (!informer) {
      informer = new Informer<T>({
        client: this.client,
        resource,
        namespace,
        logger: this.log,
        metrics: this.metrics,
        ...(scope.labelSelector ? { labelSelector: scope.labelSelector } : {}),
        ...(transform ? { transform } : {}),
        ...this.opts.informerDefaults,
      });
      this.informers.set(key, informer as unknown as Informer<KubeObject>);
      if (this.started) informer.start();
    } else if (informer.transform !== transform) {
      throw new Error(`the informer of ${resource.plural} (${key}) is shared with another projection (transform): every reader must name the same one`);
    }
    for (const [name, fn] of Object.entries(scope.indexes ?? {})) informer.addIndex(name, fn);
    return informer;
  }

  /** Creates a controller with the manager's logger and metrics, and registers it. */
  controller(opts: Omit<ControllerOptions, 'logger' | 'metrics'>): Controller {
    const controller = new Controller({ ...opts, logger: this.log, metrics: this.metrics });
    this.add(controller);
    return controller;
  }

  /** Registers a controller built elsewhere. Names must be unique (they label metrics). */
  add(controller: Controller): void {
    if (this.controllers.some((c) => c.name === controller.name)) throw new Error(`duplicate controller name ${controller.name}`);
    this.controllers.push(controller);
  }

  /** Adds a liveness check (served on /healthz). */
  addHealthzCheck(check: HealthCheck): void {
    this.healthz.push(check);
  }

  /**
   * Runs `hook` on shutdown once in-flight reconciles are done, while this process still holds the lease
   * and may write (e.g. closing records that timers keep open). Its errors are logged, not thrown.
   */
  onDrained(hook: () => Promise<void>): void {
    this.drainedHooks.push(hook);
  }

  /**
   * Serves `handler` on the metrics listener at `path` (a path ending in `/` serves everything under it), e.g. the
   * users endpoint of `kubectl teamssync users`. Call before `start()`. The handler authorises its own requests.
   */
  addMetricsRoute(path: string, handler: Routes[string]): void {
    this.metricsRoutes[path] = handler;
  }

  /** Adds a readiness check (served on /readyz). */
  addReadyzCheck(check: HealthCheck): void {
    this.readyz.push(check);
  }

  /** True while controllers may run: leader, or leader election disabled. */
  isLeader(): boolean {
    return this.elector ? this.elector.isLeader() : this.started;
  }

  /** Bound ports of the metrics and probe endpoints (useful with port 0). */
  get boundPorts(): { metrics?: number; probes?: number } {
    return this.ports;
  }

  /**
   * Starts endpoints, caches and leader election; resolves once caches synced (controllers start when
   * leadership is acquired, possibly later). Throws on cache sync timeout: call `stop()` then.
   */
  async start(): Promise<void> {
    if (this.started) throw new Error('manager already started');
    this.started = true;
    await this.startEndpoints();
    this.adoptControllerInformers();
    for (const informer of this.informers.values()) informer.start();
    await this.waitForCaches();
    if (this.stopTaking.signal.aborted) return;
    this.log.info({ identity: this.identity, controllers: this.controllers.map((c) => c.name) }, 'Caches synced');
    if (!this.elector) {
      this.runControllers(this.stopElection.signal);
      return;
    }
    this.electionLoop = this.campaign(this.elector);
  }

  /** Graceful shutdown; idempotent. `release: false` skips the lease release (simulates a crash). */
  stop(opts: { release?: boolean } = {}): Promise<void> {
    if (opts.release === false) this.elector?.abandon();
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  /** Abrupt stop for tests: abort everything at once and keep the lease held, as if the process died. */
  async kill(): Promise<void> {
    this.elector?.abandon();
    this.abortInFlight.abort();
    await this.stop({ release: false });
  }

  private async shutdown(): Promise<void> {
    const grace = this.opts.gracefulShutdownTimeoutMs ?? 30_000;
    this.log.info({ gracefulShutdownTimeoutMs: grace }, 'Stopping and waiting for in-flight reconciles');
    this.stopTaking.abort();
    const drained = await Promise.race([this.controllersDone.then(() => true), sleep(grace).then(() => false)]);
    if (!drained) this.log.warn('Graceful shutdown timed out, aborting in-flight reconciles');
    this.abortInFlight.abort();
    await this.controllersDone;
    for (const hook of this.drainedHooks) await hook().catch((err: unknown) => this.log.warn({ err }, 'Shutdown hook failed'));
    // Events are writes: flush them while this process may still write, i.e. before the lease is released.
    await this.events.flush().catch(() => undefined);
    this.stopElection.abort();
    await this.electionLoop;
    await Promise.all([...this.informers.values()].map((i) => i.stop()));
    this.stopCertificateWatch?.();
    await Promise.all(this.endpoints.map((e) => e.close()));
    this.log.info('Stopped');
  }

  private async campaign(elector: LeaderElector): Promise<void> {
    while (!this.stopElection.signal.aborted && !this.stopTaking.signal.aborted) {
      await elector.run(this.stopElection.signal, {
        onStartedLeading: (leading) => this.runControllers(leading),
        onStoppedLeading: () => this.leaderLost(),
      });
      await this.controllersDone;
    }
  }

  private leaderLost(): void {
    if ((this.opts.onLeaderLost ?? 'exit') === 'exit') {
      this.log.fatal('Leader election lost, exiting');
      process.exit(1);
    }
    this.log.warn('Leader election lost, controllers stopped, campaigning again');
  }

  /** Starts every controller until `leading` aborts (loss) or shutdown; in-flight work aborts on loss at once. */
  private runControllers(leading: AbortSignal): void {
    const stop = AbortSignal.any([leading, this.stopTaking.signal]);
    const abort = AbortSignal.any([leading, this.abortInFlight.signal]);
    const previous = this.controllersDone;
    this.controllersDone = previous.then(() => Promise.all(this.controllers.map((c) => c.start(stop, abort)))).then(() => undefined);
  }

  private async startEndpoints(): Promise<void> {
    const secure = await this.secureMetricsServing();
    const started = await startManagerEndpoints({
      metricsAddress: this.opts.metricsBindAddress ?? ':8080',
      probeAddress: this.opts.healthProbeBindAddress ?? ':8081',
      healthz: () => this.healthz,
      readyz: () => this.readyz,
      registry: this.metrics.registry,
      metricsRoutes: this.metricsRoutes,
      ...(secure === undefined ? {} : { secure }),
    }).catch((err: unknown) => {
      this.stopCertificateWatch?.();
      throw err;
    });
    this.endpoints.push(...started.endpoints);
    this.ports = started.ports;
    // The bound port, not only the configured address: with port 0 this line is how a supervisor learns it.
    const endpoints = [
      { endpoint: 'metrics', bindAddress: this.opts.metricsBindAddress ?? ':8080', port: started.ports.metrics, secure: secure !== undefined },
      { endpoint: 'probes', bindAddress: this.opts.healthProbeBindAddress ?? ':8081', port: started.ports.probes, secure: false },
    ];
    for (const { port, ...fields } of endpoints) if (port !== undefined) this.log.info({ ...fields, port }, 'Serving endpoint');
    this.onCertificateChange = (tls) => started.metrics?.setTls(tls);
  }

  /** The certificate (files, re-read on change, or self-signed) and the apiserver-backed authorizer of secure metrics. */
  private async secureMetricsServing(): Promise<SecureMetricsServing | undefined> {
    const secure = this.opts.secureMetrics;
    if (secure === undefined) return undefined;
    const authorizer = secure.authorizer ?? kubeScrapeAuthorizer(this.client);
    if (secure.certFile === undefined || secure.keyFile === undefined) return { tls: createSelfSignedCertificate(), authorizer };
    const watch = await watchTlsFiles({
      certFile: secure.certFile,
      keyFile: secure.keyFile,
      onChange: (pair) => {
        this.onCertificateChange?.({ cert: pair.cert, key: pair.key.reveal() });
        this.log.info('Metrics serving certificate reloaded');
      },
      onError: (reason) => this.log.warn({ reason }, 'Metrics serving certificate not reloaded; the previous one stays'),
    });
    this.stopCertificateWatch = () => watch.stop();
    return { tls: { cert: watch.current.cert, key: watch.current.key.reveal() }, authorizer };
  }

  /** Informers a controller watches but that were not created through `informer()` are managed too. */
  private adoptControllerInformers(): void {
    const known = new Set(this.informers.values());
    for (const informer of this.controllers.flatMap((c) => c.informers())) {
      if (!known.has(informer)) this.informers.set(`adopted:${this.informers.size}`, informer);
      known.add(informer);
    }
  }

  private async waitForCaches(): Promise<void> {
    const timeout = AbortSignal.timeout(this.opts.cacheSyncTimeoutMs ?? 120_000);
    const results = await Promise.all([...this.informers.values()].map((i) => i.waitForSync(timeout)));
    if (results.every(Boolean)) return;
    const missing = [...this.informers.values()].filter((i) => !i.hasSynced()).map((i) => i.resource.plural);
    throw new Error(`timed out waiting for cache sync: ${missing.join(', ')}`);
  }

  private informerProblem(): string | undefined {
    const bad = [...this.informers.values()]
      .filter((i) => !i.healthy())
      .map((i) => `${i.resource.plural}${i.hasSynced() ? ' (watch failing)' : ' (not synced)'}`);
    return bad.length ? bad.join(', ') : undefined;
  }
}
