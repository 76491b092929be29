import type { BackoffOptions } from './backoff.ts';
import type { ClusterConnection } from './kubeconfig.ts';
import type { Logger } from './logging.ts';
import type { RuntimeMetrics } from './metrics.ts';
import type { ScrapeAuthorizer } from './scrape-authorizer.ts';

/**
 * Secure metrics serving (controller-runtime's `SecureServing` + `FilterProvider: WithAuthenticationAndAuthorization`):
 * HTTPS, and only scrapers whose bearer token the apiserver authenticates (TokenReview) and authorises for `get` on
 * the non-resource URL `/metrics` (SubjectAccessReview). The probes stay plain HTTP on their own address.
 */
export interface SecureMetricsOptions {
  /** PEM certificate and key files (both or neither), re-read when they change; absent = a self-signed certificate made at start. */
  readonly certFile?: string;
  readonly keyFile?: string;
  /** Replaces the TokenReview/SubjectAccessReview authorizer (tests). */
  readonly authorizer?: ScrapeAuthorizer;
}

/** Leader election settings of a {@link Manager}. Durations default to 15 s / 10 s / 2 s. */
export interface ManagerLeaderElection {
  readonly enabled: boolean;
  /** Namespace of the Lease. */
  readonly namespace: string;
  /** Lease name, e.g. `teams-sync-controller.teamssync.io`. */
  readonly id: string;
  /** Default `<hostname>_<uuid>`. */
  readonly identity?: string;
  readonly leaseDurationMs?: number;
  readonly renewDeadlineMs?: number;
  readonly retryPeriodMs?: number;
  /** Release the Lease on clean shutdown. Default true. */
  readonly releaseOnCancel?: boolean;
}

/** Options of {@link Manager}. */
export interface ManagerOptions {
  /** The apiserver to use (`loadClusterConnection`); the manager's KubeClient sends everything through it. */
  readonly connection: ClusterConnection;
  /** Default namespace scope of informers; '' = all namespaces. */
  readonly namespace?: string;
  /** Prometheus endpoint, Go style (`:8080`, `127.0.0.1:0`); '0' disables. Default `:8080`. */
  readonly metricsBindAddress?: string;
  /** Serve metrics securely (HTTPS, authenticated and authorised scrapes); absent = plain HTTP to anyone. */
  readonly secureMetrics?: SecureMetricsOptions;
  /** `/healthz` and `/readyz`; '0' disables. Default `:8081`. */
  readonly healthProbeBindAddress?: string;
  readonly leaderElection?: ManagerLeaderElection;
  /**
   * What to do when leadership is lost: `exit` (default, like controller-runtime: log and exit 1 so a
   * fresh process campaigns again) or `standby` (stop controllers and campaign again; for tests).
   */
  readonly onLeaderLost?: 'exit' | 'standby';
  /** Time given to in-flight reconciles on shutdown before they are aborted. Default 30 s. */
  readonly gracefulShutdownTimeoutMs?: number;
  /** Time allowed for the first sync of every informer. Default 2 min. */
  readonly cacheSyncTimeoutMs?: number;
  /** Defaults for every informer the manager creates (tests shorten the watchdog, for example). */
  readonly informerDefaults?: {
    readonly watchdogMs?: number;
    readonly resyncPeriodMs?: number;
    readonly backoff?: BackoffOptions;
    readonly pageSize?: number;
  };
  readonly logger?: Logger;
  /** Default: a fresh registry with process metrics. */
  readonly metrics?: RuntimeMetrics;
  readonly userAgent?: string;
  /** Component name for Events (`reportingController`). Default `teamssync.io/teams-sync-controller`. */
  readonly reportingController?: string;
}
