import type { GraphRequestSpec } from '../client.ts';
import { assertFeatureAvailable } from '../clouds.ts';
import { TerminalError, ValidationError } from '../errors.ts';
import { DEFAULT_POLL, getNumberOperation, isFinalStatus, operationIdFromLocation, pollNumberOperation, type PollPolicy } from '../long-running.ts';
import { collect, items } from '../paging.ts';
import { odataString, type ApiContext } from './context.ts';
import type { AssignmentCategory, NumberAssignment, NumberType, TelephoneNumberLongRunningOperation } from './teams-types.ts';

const ROOT = 'admin/teams/telephoneNumberManagement';
const READ = 'TeamsTelephoneNumber.Read.All';
const WRITE = 'TeamsTelephoneNumber.ReadWrite.All';

/** Input of `assignNumber` (schema parameter names). */
export interface AssignNumberInput {
  readonly telephoneNumber: string;
  readonly assignmentTargetId: string;
  readonly numberType: NumberType;
  readonly assignmentCategory?: AssignmentCategory;
  readonly locationId?: string;
}

/** Input of `updateNumber`; `''` clears a value, omitted leaves it unchanged. */
export interface UpdateNumberInput {
  readonly telephoneNumber: string;
  readonly locationId?: string;
  readonly networkSiteId?: string;
  readonly reverseNumberLookupOptions?: readonly string[];
}

/**
 * Options of the write calls. `onAccepted` receives the operation id before polling starts, to journal it.
 * `poll: 'none'` resolves as soon as Graph accepted the operation (after `onAccepted`), with `running: true`:
 * the caller looks again later with `checkOperation` or `resumeOperation` instead of waiting here.
 */
export interface NumberWriteOptions {
  readonly onAccepted?: (operationId: string) => void | Promise<void>;
  readonly poll?: PollPolicy | 'none';
  readonly signal?: AbortSignal;
}

/**
 * An operation's state: finished (`succeeded` is false for `failed`, `skipped` and unknown final statuses),
 * or still running (`running: true`, from `poll: 'none'` or `checkOperation`).
 */
export interface NumberOperationResult {
  readonly operationId: string | undefined;
  readonly succeeded: boolean;
  /** Set while the operation is not final (notStarted or running): nothing is known of its result yet. */
  readonly running?: true | undefined;
  readonly operation: TelephoneNumberLongRunningOperation | undefined;
  /** First per-number `statusDetail` of a failed operation (sanitised by the caller before display). */
  readonly statusDetail: string | undefined;
}

/**
 * Teams telephone number management (https://learn.microsoft.com/graph/api/resources/teamsadministration-numberassignment). Global cloud only: other clouds get
 * `FeatureUnavailableInCloud` before any request.
 *
 * Gotchas: assign/unassign answer 202 + Location; the call resolves when the operation is final (or at once with
 * `poll: 'none'`). If the process restarts mid-way, call `resumeOperation(id)` or `checkOperation(id)` with the
 * journaled id instead of re-posting (R4).
 */
export class NumbersApi {
  readonly #ctx: ApiContext;

  constructor(ctx: ApiContext) {
    this.#ctx = ctx;
  }

  /** Lists number assignments, optionally filtered (`$filter` on the documented properties). */
  listNumberAssignments(filter?: string, options: { signal?: AbortSignal } = {}): AsyncGenerator<NumberAssignment> {
    this.#assertCloud();
    return items<NumberAssignment>(this.#ctx.http, this.#list(filter, options.signal));
  }

  /** The assignments of one telephone number (E.164), usually zero or one. */
  async getNumberAssignments(telephoneNumber: string, options: { signal?: AbortSignal } = {}): Promise<NumberAssignment[]> {
    return collect(this.listNumberAssignments(`telephoneNumber eq ${odataString(telephoneNumber)}`, options));
  }

  /** The assignment of one telephone number, or undefined when Teams does not know it (DR numbers exist only while assigned). */
  async getNumberAssignment(telephoneNumber: string, options: { signal?: AbortSignal } = {}): Promise<NumberAssignment | undefined> {
    return (await this.getNumberAssignments(telephoneNumber, options))[0];
  }

  /** Assigns a number and waits for the operation (enables Enterprise Voice as the PowerShell cmdlet does). */
  async assignNumber(input: AssignNumberInput, options: NumberWriteOptions = {}): Promise<NumberOperationResult> {
    if (input.telephoneNumber === '' || input.assignmentTargetId === '') throw new ValidationError('assignNumber needs a telephone number and a target id');
    return this.#write('assignNumber', { ...input }, 'assign a telephone number', options);
  }

  /** Unassigns a number and waits for the operation. */
  async unassignNumber(input: { telephoneNumber: string; numberType: NumberType }, options: NumberWriteOptions = {}): Promise<NumberOperationResult> {
    return this.#write('unassignNumber', { ...input }, 'unassign a telephone number', options);
  }

  /** Updates location / network site / reverse lookup; synchronous (200) per the docs, polled if answered with 202. */
  async updateNumber(input: UpdateNumberInput, options: NumberWriteOptions = {}): Promise<NumberOperationResult> {
    return this.#write('updateNumber', { ...input }, 'update a telephone number', options);
  }

  /** Resumes waiting for an operation journaled before a restart. */
  async resumeOperation(operationId: string, options: { poll?: PollPolicy; signal?: AbortSignal } = {}): Promise<NumberOperationResult> {
    this.#assertCloud();
    const operation = await pollNumberOperation(this.#ctx.http, operationId, options.poll ?? DEFAULT_POLL, options.signal);
    return resultOf(operationId, operation);
  }

  /**
   * Reads an operation once, without waiting: its result when final, else `running: true`. An id Graph does not
   * know (yet, or any more) throws `ReplicationPending`, so "still running" and "unknown" stay apart.
   */
  async checkOperation(operationId: string, options: { signal?: AbortSignal } = {}): Promise<NumberOperationResult> {
    this.#assertCloud();
    const operation = await getNumberOperation(this.#ctx.http, operationId, options.signal);
    if (!isFinalStatus(operation.status)) return { operationId, succeeded: false, running: true, operation, statusDetail: undefined };
    return resultOf(operationId, operation);
  }

  async #write(action: string, body: Record<string, unknown>, operation: string, options: NumberWriteOptions): Promise<NumberOperationResult> {
    this.#assertCloud();
    const res = await this.#ctx.http.send<unknown>({
      method: 'POST',
      path: `${ROOT}/numberAssignments/${action}`,
      body,
      operation,
      permission: WRITE,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    if (res.status !== 202) return { operationId: undefined, succeeded: true, operation: undefined, statusDetail: undefined };
    const operationId = operationIdFromLocation(res.headers.get('location'));
    if (operationId === undefined)
      throw new TerminalError(`Microsoft Graph accepted ${action} without an operation Location`, { tenantId: this.#ctx.tenantId });
    await options.onAccepted?.(operationId);
    if (options.poll === 'none') return { operationId, succeeded: false, running: true, operation: undefined, statusDetail: undefined };
    return this.resumeOperation(operationId, {
      ...(options.poll === undefined ? {} : { poll: options.poll }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
  }

  #list(filter: string | undefined, signal: AbortSignal | undefined): GraphRequestSpec {
    return {
      method: 'GET',
      path: `${ROOT}/numberAssignments`,
      query: { $filter: filter, $top: 1000 },
      operation: 'list telephone number assignments',
      permission: READ,
      ...(signal === undefined ? {} : { signal }),
    };
  }

  #assertCloud(): void {
    assertFeatureAvailable(this.#ctx.cloud, 'teamsNumberManagement');
  }
}

function resultOf(operationId: string, operation: TelephoneNumberLongRunningOperation): NumberOperationResult {
  const failed = (operation.numbers ?? []).find((n) => n.status !== 'succeeded');
  return {
    operationId,
    succeeded: operation.status === 'succeeded',
    operation,
    statusDetail: failed?.statusDetail ?? undefined,
  };
}
