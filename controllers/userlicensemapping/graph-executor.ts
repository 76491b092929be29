/**
 * The ActionExecutor over a tenant's GraphTenantClient (pkg/graph): number writes wait for their
 * long-running operation within a short budget (then report `running`, and the next reconcile
 * resumes by id), policy names are resolved with getPolicyId first so a missing policy is told
 * apart from a missing user. Every write first tells `onWrite` which user and number it touches,
 * so cached bulk reads of them are not trusted again until the next bulk read.
 */
import { isGraphError, type GraphTenantClient, type NumberOperationResult, type PollPolicy } from '../../pkg/graph/index.ts';
import type { AssignNumber, AssignPolicy, EnableEnterpriseVoice, UnassignNumber, UnassignPolicy } from './actions.ts';
import { PolicyNotFoundError, type ActionExecutor, type OnAccepted, type OperationState } from './executor.ts';

/** Options of {@link GraphActionExecutor}. */
export interface GraphExecutorOptions {
  readonly client: GraphTenantClient;
  /** How long one reconcile waits for a number operation. Default: 1 s doubling to 5 s, 30 s in all. */
  readonly poll?: PollPolicy;
  /** Called before each write with what it touches (cache invalidation). */
  readonly onWrite?: ((touched: { readonly userIds: readonly string[]; readonly numbers: readonly string[] }) => void) | undefined;
  readonly signal?: AbortSignal | undefined;
}

/** Bounded in-reconcile wait: a worker is never held for minutes by one operation. */
export const RECONCILE_POLL: PollPolicy = { initialDelayMs: 1_000, maxDelayMs: 5_000, timeoutMs: 30_000 };

/** Executes plan actions against Microsoft Graph. */
export class GraphActionExecutor implements ActionExecutor {
  readonly #client: GraphTenantClient;
  readonly #poll: PollPolicy;
  readonly #onWrite: GraphExecutorOptions['onWrite'];
  readonly #signal: AbortSignal | undefined;

  constructor(options: GraphExecutorOptions) {
    this.#client = options.client;
    this.#poll = options.poll ?? RECONCILE_POLL;
    this.#onWrite = options.onWrite;
    this.#signal = options.signal;
  }

  assignNumber(action: AssignNumber | EnableEnterpriseVoice, onAccepted: OnAccepted): Promise<OperationState> {
    this.#touch([action.userId], [action.number]);
    return this.#operation(onAccepted, (options) =>
      this.#client.numbers.assignNumber({ telephoneNumber: action.number, assignmentTargetId: action.userId, numberType: action.numberType }, options),
    );
  }

  unassignNumber(action: UnassignNumber, onAccepted: OnAccepted): Promise<OperationState> {
    this.#touch([], [action.number]);
    return this.#operation(onAccepted, (options) => this.#client.numbers.unassignNumber({ telephoneNumber: action.number, numberType: action.numberType }, options));
  }

  /** Graph has no enterprise-voice write: assignNumber of the same number turns it on (graph-api.md §2.10). */
  enableEnterpriseVoice(action: EnableEnterpriseVoice, onAccepted: OnAccepted): Promise<OperationState> {
    return this.assignNumber(action, onAccepted);
  }

  async resumeOperation(operationId: string): Promise<OperationState> {
    try {
      return stateOf(await this.#client.numbers.resumeOperation(operationId, { poll: this.#poll, ...this.#options() }));
    } catch (error) {
      if (isGraphError(error, 'ReplicationPending')) return { state: 'running' };
      throw error;
    }
  }

  async assignPolicy(action: AssignPolicy): Promise<void> {
    this.#touch([action.userId], []);
    const policyId = await policyIdOf(this.#client, action.policyType, action.policyName);
    await this.#client.policies.assignPolicy(action.userId, { policyType: action.policyType, policyId }, this.#options());
  }

  async unassignPolicy(action: UnassignPolicy): Promise<void> {
    this.#touch([action.userId], []);
    await this.#client.policies.unassignPolicy(action.userId, action.policyType, this.#options());
  }

  async #operation(onAccepted: OnAccepted, write: (options: { onAccepted: OnAccepted; poll: PollPolicy; signal?: AbortSignal }) => Promise<NumberOperationResult>): Promise<OperationState> {
    let accepted = false;
    const record: OnAccepted = async (id) => {
      accepted = true;
      await onAccepted(id);
    };
    try {
      return stateOf(await write({ onAccepted: record, poll: this.#poll, ...this.#options() }));
    } catch (error) {
      // The operation was accepted and is still running: report it so apply persists the id.
      if (accepted && isGraphError(error, 'ReplicationPending')) return { state: 'running' };
      throw error;
    }
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
  if (result.succeeded) return { state: 'succeeded' };
  return { state: 'failed', detail: result.statusDetail ?? result.operation?.status };
}
