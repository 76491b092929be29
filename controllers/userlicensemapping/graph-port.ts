/**
 * The Graph port of the UserLicenseMapping controller: the five things a reconcile needs from
 * Microsoft 365 (read a user, a teamsUserConfiguration, a numberAssignment; make a write; poll an
 * operation started earlier), and its implementation over a tenant's GraphTenantClient
 * (pkg/graph builds every URL). Unit tests drive the reconciler through a fake of the interface.
 *
 * Number writes either end once Graph accepted the operation (`poll: 'none'`, the mapping
 * controller: `running`, journaled through `onAccepted`; a later pass looks at it once with
 * `resume`, and a worker is never held while Microsoft 365 works) or wait for it within a short
 * budget (a TeamsSync run; then `running`, and the next pass resumes by id); policy names are resolved with getPolicyId
 * first so a missing policy is told apart from a missing user. Every write first tells `onWrite`
 * which user and number it touches, so cached bulk reads of them are not trusted again until the
 * next bulk read.
 *
 * A write whose effect is already in Microsoft 365 is done: when a write fails in a way that can
 * hide success (the connection dropped after sending, a timeout or 5xx: `outcomeUnknown`), or is
 * refused or fails as its operation because the state it asks for is already there (unassigning
 * a number no longer assigned), the port reads that one key live and reports success when the
 * effect is present. After an ambiguous failure it keeps observing for a few seconds before
 * giving up, so an operation Graph accepted before the connection dropped is seen to land rather
 * than posted a second time (only then is a worker held for seconds: a connection lost after
 * sending is rare, and telling it apart from a failure takes the write's time to land).
 */
import { sleep } from '../../pkg/runtime/clock.ts';
import {
  isGraphError,
  isOutcomeUnknown,
  NotFoundError,
  type GraphTenantClient,
  type NumberAssignment,
  type NumberOperationResult,
  type PollPolicy,
  type TeamsUserConfiguration,
  type User,
} from '../../pkg/graph/index.ts';
import type { AssignNumber, AssignPolicy, EnableEnterpriseVoice, OperationAction, UnassignNumber, UnassignPolicy, WriteAction } from './actions.ts';
import { sameId, samePolicyName } from '../shared/mapping-types.ts';

/** State of a long-running operation when the port stopped waiting for it. */
export type OperationState =
  { readonly state: 'running' } | { readonly state: 'succeeded' } | { readonly state: 'failed'; readonly detail?: string | undefined };

/** Called with the operation id as soon as Graph accepted a change (202), before any polling. Never throws. */
export type OnAccepted = (operationId: string) => Promise<void>;

/**
 * What the reconciler needs from Microsoft 365 for one mapping. Reads resolve `undefined` when
 * Graph says the thing does not exist; every other failure is thrown as a pkg/graph typed error.
 */
export interface MappingGraphPort {
  /** The directory user by UPN or object id (live: one absent from the tenant's snapshot). */
  readUser(upnOrId: string): Promise<User | undefined>;
  /** The user's teamsUserConfiguration, live. */
  readConfiguration(userId: string): Promise<TeamsUserConfiguration | undefined>;
  /** The numberAssignment of a number, live. */
  readNumber(telephoneNumber: string): Promise<NumberAssignment | undefined>;
  /**
   * Makes one write. Number changes call `onAccepted` with the operation id before polling (apply
   * journals it there) and resolve `running` when the poll budget ends first (at once, without
   * one: the mapping controller's port); the writes are POSTs
   * the HTTP layer never retries. A write whose effect is already in place resolves `succeeded`.
   * A policy name the tenant does not have throws `PolicyNotFoundError`.
   */
  write(action: WriteAction, onAccepted: OnAccepted): Promise<OperationState>;
  /**
   * Polls an operation started earlier (or looks at it once: `running` while it runs), never
   * resubmitting it. One that failed, or that Graph does
   * not know (any more), while its effect is in place resolves `succeeded`; an id Graph still does
   * not know once the operation is older than a bound (`startedAt`) throws `NotFound`, and the next
   * pass plans from what Microsoft 365 shows.
   */
  resume(operationId: string, operation: OperationAction, startedAt?: string): Promise<OperationState>;
}

/** Thrown by the port when the tenant has no policy of that type and name. */
export class PolicyNotFoundError extends Error {
  readonly policyType: string;
  readonly policyName: string;
  constructor(policyType: string, policyName: string) {
    super(`Teams has no ${policyType} named ${policyName}`);
    this.name = 'PolicyNotFoundError';
    this.policyType = policyType;
    this.policyName = policyName;
  }
}

/** Options of {@link GraphMappingPort}. */
export interface GraphPortOptions {
  readonly client: GraphTenantClient;
  /**
   * How long one pass waits for a number operation: `'none'` (not at all: `write` ends once it is
   * accepted, `resume` reads it once) or a policy. Default: 1 s doubling to 5 s, 30 s in all.
   */
  readonly poll?: PollPolicy | 'none';
  /** Called before each write with what it touches (cache invalidation). */
  readonly onWrite?: ((touched: { readonly userIds: readonly string[]; readonly numbers: readonly string[] }) => void) | undefined;
  readonly signal?: AbortSignal | undefined;
  /** How old an operation may be before an id Graph does not know is given up. Default 10 minutes. */
  readonly unknownOperationBoundMs?: number | undefined;
}

/** Bounded in-reconcile wait: a worker is never held for minutes by one operation. */
const RECONCILE_POLL: PollPolicy = { initialDelayMs: 1_000, maxDelayMs: 5_000, timeoutMs: 30_000 };

/** Waits between live reads for the effect of a write whose outcome is unknown (7.5 s in all). */
const CONFIRM_DELAYS_MS: readonly number[] = [0, 500, 1_000, 2_000, 4_000];

/** Failures that may mean "already so": confirmed by a live read before they count. */
const ALREADY_SO = new Set(['NotFound', 'Conflict', 'Validation', 'Terminal']);

/** The port over Microsoft Graph, for one reconcile of one mapping (it carries that pass's signal). */
export class GraphMappingPort implements MappingGraphPort {
  readonly #client: GraphTenantClient;
  readonly #poll: PollPolicy | 'none';
  readonly #onWrite: GraphPortOptions['onWrite'];
  readonly #signal: AbortSignal | undefined;
  readonly #unknownOperationBoundMs: number;

  constructor(options: GraphPortOptions) {
    this.#unknownOperationBoundMs = options.unknownOperationBoundMs ?? 10 * 60_000;
    this.#client = options.client;
    this.#poll = options.poll ?? RECONCILE_POLL;
    this.#onWrite = options.onWrite;
    this.#signal = options.signal;
  }

  async readUser(upnOrId: string): Promise<User | undefined> {
    return orNotFound(() => this.#client.users.getUser(upnOrId, this.#options()));
  }

  async readConfiguration(userId: string): Promise<TeamsUserConfiguration | undefined> {
    return orNotFound(() => this.#client.userConfigurations.getUserConfiguration(userId, this.#options()));
  }

  readNumber(telephoneNumber: string): Promise<NumberAssignment | undefined> {
    return this.#client.numbers.getNumberAssignment(telephoneNumber, this.#options());
  }

  async write(action: WriteAction, onAccepted: OnAccepted): Promise<OperationState> {
    switch (action.kind) {
      case 'AssignNumber':
      case 'EnableEnterpriseVoice':
        // Graph has no enterprise-voice write: assignNumber of the same number turns it on.
        return this.#assignNumber(action, onAccepted);
      case 'UnassignNumber':
        return this.#unassignNumber(action, onAccepted);
      case 'AssignPolicy':
        await this.#assignPolicy(action);
        return { state: 'succeeded' };
      case 'UnassignPolicy':
        await this.#unassignPolicy(action);
        return { state: 'succeeded' };
    }
  }

  #assignNumber(action: AssignNumber | EnableEnterpriseVoice, onAccepted: OnAccepted): Promise<OperationState> {
    this.#touch([action.userId], [action.number]);
    return this.#operation(action, onAccepted, (options) =>
      this.#client.numbers.assignNumber({ telephoneNumber: action.number, assignmentTargetId: action.userId, numberType: action.numberType }, options),
    );
  }

  #unassignNumber(action: UnassignNumber, onAccepted: OnAccepted): Promise<OperationState> {
    this.#touch([], [action.number]);
    return this.#operation(action, onAccepted, (options) =>
      this.#client.numbers.unassignNumber({ telephoneNumber: action.number, numberType: action.numberType }, options),
    );
  }

  async resume(operationId: string, operation: OperationAction, startedAt?: string): Promise<OperationState> {
    try {
      const numbers = this.#client.numbers;
      const result =
        this.#poll === 'none'
          ? await numbers.checkOperation(operationId, this.#options())
          : await numbers.resumeOperation(operationId, { poll: this.#poll, ...this.#options() });
      const state = stateOf(result);
      if (state.state === 'failed' && (await this.#effectPresent(operation))) return { state: 'succeeded' };
      return state;
    } catch (error) {
      if (!isGraphError(error, 'ReplicationPending')) throw error;
      // An id Graph does not know (yet, or any more), or (waiting within the pass) one still running: what Microsoft 365 shows decides.
      if (await this.#effectPresent(operation)) return { state: 'succeeded' };
      const age = startedAt === undefined ? Number.NaN : Date.now() - Date.parse(startedAt);
      if (age > this.#unknownOperationBoundMs) {
        throw new NotFoundError(
          `Microsoft 365 no longer reports telephone number operation ${operationId} (started ${startedAt ?? 'earlier'}) and its change is not in effect; it is planned again from what Microsoft 365 shows`,
        );
      }
      return { state: 'running' };
    }
  }

  async #assignPolicy(action: AssignPolicy): Promise<void> {
    this.#touch([action.userId], []);
    const policyId = await policyIdOf(this.#client, action.policyType, action.policyName);
    await this.#confirmOnFailure(action, () => this.#client.policies.assignPolicy(action.userId, { policyType: action.policyType, policyId }, this.#options()));
  }

  async #unassignPolicy(action: UnassignPolicy): Promise<void> {
    this.#touch([action.userId], []);
    await this.#confirmOnFailure(action, () => this.#client.policies.unassignPolicy(action.userId, action.policyType, this.#options()));
  }

  async #operation(
    action: OperationAction,
    onAccepted: OnAccepted,
    write: (options: { onAccepted: OnAccepted; poll: PollPolicy | 'none'; signal?: AbortSignal }) => Promise<NumberOperationResult>,
  ): Promise<OperationState> {
    // An object, not a `let`: the flag is set inside the callback, after the type checker looked.
    const seen = { accepted: false };
    const record: OnAccepted = async (id) => {
      seen.accepted = true;
      await onAccepted(id);
    };
    let state: OperationState;
    try {
      state = stateOf(await write({ onAccepted: record, poll: this.#poll, ...this.#options() }));
    } catch (error) {
      // The operation was accepted and is still running: report it so apply persists the id.
      if (seen.accepted && isGraphError(error, 'ReplicationPending')) return { state: 'running' };
      if (await this.#confirmsFailure(action, error)) throw error;
      return { state: 'succeeded' };
    }
    if (state.state === 'failed' && (await this.#effectPresent(action))) return { state: 'succeeded' };
    return state;
  }

  /** Runs a policy write; a failure whose effect is nevertheless in place counts as done. */
  async #confirmOnFailure(action: AssignPolicy | UnassignPolicy, write: () => Promise<void>): Promise<void> {
    try {
      await write();
    } catch (error) {
      if (await this.#confirmsFailure(action, error)) throw error;
    }
  }

  /** True when the failure stands: the write's effect is not in Microsoft 365 (or cannot be read now). */
  async #confirmsFailure(action: OperationAction | AssignPolicy | UnassignPolicy, error: unknown): Promise<boolean> {
    if (isOutcomeUnknown(error)) {
      for (const delayMs of CONFIRM_DELAYS_MS) {
        if (!(await sleep(delayMs, this.#signal))) return true;
        if (await this.#effectPresent(action)) return false;
      }
      return true;
    }
    if (isGraphError(error) && ALREADY_SO.has(error.kind)) return !(await this.#effectPresent(action));
    return true;
  }

  /** Reads the one key a write changes and says whether its effect is there. A failed read says no. */
  async #effectPresent(action: OperationAction | AssignPolicy | UnassignPolicy): Promise<boolean> {
    try {
      switch (action.kind) {
        case 'AssignNumber':
        case 'EnableEnterpriseVoice': {
          const assignment = await this.#client.numbers.getNumberAssignment(action.number, this.#options());
          const held =
            assignment !== undefined && assignment.assignmentStatus !== 'unassigned' && sameId(assignment.assignmentTargetId ?? undefined, action.userId);
          if (!held || action.kind === 'AssignNumber') return held;
          return (await this.#configuration(action.userId)).isEnterpriseVoiceEnabled === true;
        }
        case 'UnassignNumber': {
          const assignment = await this.#client.numbers.getNumberAssignment(action.number, this.#options());
          return assignment === undefined || !assignment.assignmentTargetId || assignment.assignmentStatus === 'unassigned';
        }
        case 'AssignPolicy':
        case 'UnassignPolicy': {
          const configuration = await this.#configuration(action.userId);
          const direct = (configuration.effectivePolicyAssignments ?? []).find(
            (e) => e.policyType.toLowerCase() === action.policyType.toLowerCase() && e.policyAssignment.assignmentType.toLowerCase() === 'direct',
          );
          if (action.kind === 'AssignPolicy') return direct !== undefined && samePolicyName(direct.policyAssignment.displayName, action.policyName);
          return direct === undefined;
        }
      }
    } catch {
      return false;
    }
  }

  async #configuration(userId: string) {
    return this.#client.userConfigurations.getUserConfiguration(userId, { justWritten: true, ...this.#options() });
  }

  #options(): { signal?: AbortSignal } {
    return this.#signal === undefined ? {} : { signal: this.#signal };
  }

  #touch(userIds: readonly string[], numbers: readonly string[]): void {
    this.#onWrite?.({ userIds, numbers });
  }
}

/** In-flight and resolved policy ids per client: 64 workers starting at once ask Graph once, not 64 times. */
const policyIds = new WeakMap<GraphTenantClient, Map<string, Promise<string>>>();

function policyIdOf(client: GraphTenantClient, policyType: string, policyName: string): Promise<string> {
  let byName = policyIds.get(client);
  if (byName === undefined) {
    byName = new Map();
    policyIds.set(client, byName);
  }
  const key = `${policyType}\u0000${policyName.toLowerCase()}`;
  const cached = byName.get(key);
  if (cached !== undefined) return cached;
  const lookup = client.policies.getPolicyId(policyType, policyName).catch((error: unknown) => {
    byName.delete(key);
    if (isGraphError(error, 'NotFound')) throw new PolicyNotFoundError(policyType, policyName);
    throw error;
  });
  byName.set(key, lookup);
  return lookup;
}

function stateOf(result: NumberOperationResult): OperationState {
  if (result.running === true) return { state: 'running' };
  if (result.succeeded) return { state: 'succeeded' };
  return { state: 'failed', detail: result.statusDetail ?? result.operation?.status };
}

async function orNotFound<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (isGraphError(error) && error.kind === 'NotFound') return undefined;
    throw error;
  }
}
