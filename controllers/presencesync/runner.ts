/**
 * The long-lived part of one PresenceSync: its Teams → PBX poller, its webhook sink and its PBX → Teams call
 * sessions. The reconciler builds a runner once and hands it every new plan; the runner starts, updates or stops
 * each part so that only what changed is touched (a new poll plan does not restart the webhook, and so on).
 */
import { createHash } from 'node:crypto';
import type { Redacted } from '../../pkg/graph/index.ts';
import { CallSessionRunner } from '../../pkg/presence/call-session-runner.ts';
import { CallSessionMachine } from '../../pkg/presence/call-sessions.ts';
import type { PresenceMetrics } from '../../pkg/presence/metrics.ts';
import type { PbxInboundTarget } from '../../pkg/presence/pbx-inbound.ts';
import type { PollCycleResult } from '../../pkg/presence/poll-cycle.ts';
import { PresencePoller } from '../../pkg/presence/presence-poller.ts';
import type { SseStreamAccess } from '../../pkg/presence/sse-server.ts';
import type { PresenceStreamLog } from '../../pkg/presence/stream-log.ts';
import type { TrackedUser } from '../../pkg/presence/types.ts';
import { UserDirectory } from '../../pkg/presence/user-directory.ts';
import { WebhookSink } from '../../pkg/presence/webhook-sink.ts';
import type { DestinationPolicy } from '../../pkg/presence/destination-policy.ts';
import type { PresenceReader, PresenceWriter } from '../../pkg/presence/ports.ts';
import type { PresenceGraph } from './graph-port.ts';
import type { PresenceSyncPlan } from './plan.ts';
import { shownWebhookError, type PresenceRuntimeFacts } from './report.ts';

/** What the runner needs besides the plan; resolved by the reconciler's observe step (Secrets, the tenant's Graph port). */
export interface RunnerSettings {
  readonly plan: PresenceSyncPlan;
  /** The tenant's Microsoft 365; the latest one given is used by every call, so rotated credentials apply at once. */
  readonly graph: PresenceGraph;
  /** Bearer tokens the PBX must present on the events endpoint (write); empty refuses everyone. */
  readonly pbxTokens: readonly Redacted[];
  /** Bearer tokens stream readers must present (read); empty refuses everyone. */
  readonly streamTokens: readonly Redacted[];
  /** Webhook target and its signing secrets; absent when not configured or the Secret is missing. */
  readonly webhook?: { readonly url: string; readonly secrets: readonly Redacted[] };
}

/** Process-wide collaborators shared by every runner. */
export interface RunnerDeps {
  /** `namespace/name`: also the stream name and the `sync` metrics label. */
  readonly key: string;
  readonly log: PresenceStreamLog;
  readonly metrics?: PresenceMetrics;
  /** Called after every poll cycle (the bench counts cycles with it). */
  readonly onCycle?: (result: PollCycleResult) => void;
  /** Called after a poll cycle that changed what the status reports (first cycle, failures, recovery): enqueue a reconcile. */
  readonly onStatusChanged?: () => void;
  /** Where webhooks may deliver (daemon flags); default https to public addresses only. */
  readonly destinationPolicy?: DestinationPolicy;
  /** Lifetime of the Teams presence session of a PBX call (--presence-session-lifetime); default 10 minutes. */
  readonly sessionLifetimeMs?: number;
}

/** Most events a stream keeps however long its retention: bounds the disk a churning tenant can use. */
const MAX_RETAINED_EVENTS = 20_000;

/** Fingerprints by user list: the reconciler hands the same list again while the selection is unchanged (object-memo.ts). */
const fingerprints = new WeakMap<readonly TrackedUser[], string>();

function fingerprint(users: readonly TrackedUser[]): string {
  let known = fingerprints.get(users);
  if (known === undefined) {
    const hash = createHash('sha256');
    for (const user of users) hash.update(`${user.userKey}\0${user.teamsUserId}\0${user.extension ?? ''}\n`);
    fingerprints.set(users, (known = `${users.length}:${hash.digest('hex')}`));
  }
  return known;
}

/** One PresenceSync's running parts; see the file comment. */
export class PresenceSyncRunner {
  readonly #deps: RunnerDeps;
  readonly #ports: PresenceReader & PresenceWriter;
  #settings: RunnerSettings | undefined;
  #poller: { poller: PresencePoller; config: string } | undefined;
  #webhook: { sink: WebhookSink; config: string } | undefined;
  #calls: { runner: CallSessionRunner; machine: CallSessionMachine; config: string } | undefined;
  #directory: { directory: UserDirectory; users: string } | undefined;
  /** What the last poll cycle showed in status terms; undefined until the poller's first cycle. */
  #lastCycleShown: string | undefined;
  /** The webhook failure the status shows now (see shownWebhookError). */
  #lastWebhookShown: string | undefined;

  constructor(deps: RunnerDeps) {
    this.#deps = deps;
    // Bound to whatever port is current: a port replaced after a credential rotation is used without a restart.
    this.#ports = {
      getPresencesByUserId: (ids) => this.#current().graph.getPresencesByUserId(ids),
      setPresence: (teamsUserId, request) => this.#current().graph.setPresence(teamsUserId, request),
      clearPresence: (teamsUserId, sessionId) => this.#current().graph.clearPresence(teamsUserId, sessionId),
    };
  }

  /** `namespace/name` of the PresenceSync. */
  get key(): string {
    return this.#deps.key;
  }

  /** Brings the parts in line with `settings`; idempotent and cheap when nothing changed. */
  async apply(settings: RunnerSettings): Promise<void> {
    this.#settings = settings;
    const { plan } = settings;
    const active = !plan.suspended;
    const users = fingerprint(plan.users.matched);
    if (this.#directory?.users !== users) this.#directory = { directory: new UserDirectory(plan.users.matched), users };
    const maxAgeMs = plan.retention.maxAgeMs ?? 24 * 3_600_000;
    const maxEvents = Math.min(MAX_RETAINED_EVENTS, Math.max(2000, Math.ceil(maxAgeMs / Math.max(1, plan.poll.effectiveIntervalMs)) + 1));
    this.#deps.log.setRetention(this.#deps.key, { maxAgeMs, maxEvents });
    await this.#applyPoller(
      active && plan.readEnabled ? `${users}|${plan.poll.effectiveIntervalMs}|${plan.poll.callsPerCycle}|${plan.poll.spacingMs}|${plan.holdDownMs}` : undefined,
    );
    const hook = active && plan.webhookEnabled && settings.webhook !== undefined && settings.webhook.secrets.length > 0 ? settings.webhook : undefined;
    await this.#applyWebhook(hook === undefined ? undefined : `${hook.url}|${plan.webhookTimeoutMs ?? ''}`, hook?.url);
    await this.#applyCalls(active && plan.writeEnabled ? `${settings.graph.appId}|${JSON.stringify(plan.callSessions)}` : undefined);
  }

  /** Who may read this PresenceSync's stream; `undefined` (403) when it does not publish Teams presence. */
  streamAccess(): SseStreamAccess | undefined {
    const settings = this.#settings;
    return settings?.plan.readEnabled === true ? { stream: this.#deps.key, tokens: settings.streamTokens } : undefined;
  }

  /** Where PBX call events go; `undefined` (403) when PBX → Teams is off or suspended. */
  pbxTarget(): PbxInboundTarget | undefined {
    const calls = this.#calls;
    const settings = this.#settings;
    if (calls === undefined || settings === undefined || this.#directory === undefined) return undefined;
    return { tokens: settings.pbxTokens, directory: this.#directory.directory, sessions: calls.runner };
  }

  /** What the report step needs from the running parts. */
  facts(): PresenceRuntimeFacts {
    const webhook = this.#webhook?.sink.state();
    return {
      ...(this.#poller === undefined ? {} : { poller: this.#poller.poller.stats() }),
      ...(webhook === undefined ? {} : { webhook }),
    };
  }

  /** Stops every part (object deleted, leadership lost, shutdown). The stream log keeps its events. */
  async stop(): Promise<void> {
    await Promise.all([this.#applyPoller(undefined), this.#applyWebhook(undefined, undefined), this.#applyCalls(undefined)]);
  }

  #current(): RunnerSettings {
    if (this.#settings === undefined) throw new Error('presence runner used before its first apply');
    return this.#settings;
  }

  async #applyPoller(config: string | undefined): Promise<void> {
    if (this.#poller?.config === config) return;
    const running = this.#poller;
    if (config === undefined) {
      this.#poller = undefined;
      this.#lastCycleShown = undefined;
      await running?.poller.stop();
      return;
    }
    const { log, key, metrics } = this.#deps;
    const poller =
      running?.poller ??
      new PresencePoller({
        stream: key,
        reader: this.#ports,
        log,
        syncLabel: key,
        ...(metrics === undefined ? {} : { metrics }),
        onCycle: (result) => this.#cycleFinished(result),
      });
    const plan = this.#current().plan;
    poller.update(plan.users.matched, plan.poll, plan.holdDownMs);
    poller.start();
    this.#poller = { poller, config };
  }

  /**
   * Asks for a status refresh only when a cycle changed what the status shows (the first cycle, a cycle that failed
   * or recovered, other errors): a quiet cycle must not cost a reconcile, and counters live in metrics.
   */
  #cycleFinished(result: PollCycleResult): void {
    this.#deps.onCycle?.(result);
    const shown = `${String(result.failedCalls > 0)}|${result.errors.join(',')}`;
    if (this.#lastCycleShown === shown) return;
    this.#lastCycleShown = shown;
    this.#deps.onStatusChanged?.();
  }

  /** Deliveries fail and recover between poll cycles: ask for a status refresh when what the status shows changes. */
  #webhookStateChanged(): void {
    const shown = shownWebhookError(this.#webhook?.sink.state());
    if (shown === this.#lastWebhookShown) return;
    this.#lastWebhookShown = shown;
    this.#deps.onStatusChanged?.();
  }

  async #applyWebhook(config: string | undefined, url: string | undefined): Promise<void> {
    if (this.#webhook?.config === config) return;
    await this.#webhook?.sink.stop();
    this.#webhook = undefined;
    if (config === undefined || url === undefined) return;
    const { log, key, metrics, destinationPolicy } = this.#deps;
    const timeoutMs = this.#current().plan.webhookTimeoutMs;
    const sink = new WebhookSink({
      log,
      stream: key,
      url,
      // A new URL is a new receiver: it starts from a snapshot, not from the old receiver's cursor.
      cursorName: `webhook:${key}:${createHash('sha256').update(url).digest('hex').slice(0, 16)}`,
      secrets: () => this.#settings?.webhook?.secrets ?? [],
      syncLabel: key,
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
      ...(metrics === undefined ? {} : { metrics }),
      ...(destinationPolicy === undefined ? {} : { destinationPolicy }),
      onStateChange: () => this.#webhookStateChanged(),
    });
    this.#lastWebhookShown = undefined;
    sink.start();
    this.#webhook = { sink, config };
  }

  async #applyCalls(config: string | undefined): Promise<void> {
    if (this.#calls?.config === config) return;
    // Changed options need a new machine; calls in progress then lapse in Teams within one session lifetime.
    await this.#calls?.runner.stop();
    this.#calls = undefined;
    if (config === undefined) return;
    const settings = this.#current();
    const lifetime = this.#deps.sessionLifetimeMs;
    const machine = new CallSessionMachine({ ...settings.plan.callSessions, ...(lifetime === undefined ? {} : { sessionLifetimeMs: lifetime }) });
    const { key, metrics } = this.#deps;
    const runner = new CallSessionRunner({
      machine,
      writer: this.#ports,
      sessionId: settings.graph.appId,
      syncLabel: key,
      ...(metrics === undefined ? {} : { metrics }),
    });
    this.#calls = { runner, machine, config };
  }
}
