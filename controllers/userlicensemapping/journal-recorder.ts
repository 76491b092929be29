/**
 * The OperationRecorder apply calls when Microsoft 365 accepted a long-running operation (R4): the
 * id goes into the local journal (pkg/state OperationJournal, survives a restart of this process)
 * AND, through `persist`, into the mapping's status.operation at once (survives losing the
 * database, and is seen by another replica). A restart then resumes the operation by id instead
 * of posting assignNumber a second time.
 */
import type { OperationJournal } from '../../pkg/state/operation-journal.ts';
import type { OperationAction } from './actions.ts';
import { operationKey } from './actions.ts';
import type { OperationRecorder } from './executor.ts';
import type { InFlightOperation } from './observed.ts';

/** Writes status.operation now (best effort; errors are swallowed by apply). */
export type PersistOperation = (operation: InFlightOperation, startedAt: string) => Promise<void>;

/** Options of {@link journalRecorder}. */
export interface JournalRecorderOptions {
  readonly tenantId: string;
  /** The TeamsTenant's state scope (actions.ts `stateScope`): the journal key's prefix. */
  readonly scope: string;
  readonly journal?: OperationJournal | undefined;
  readonly persist?: PersistOperation | undefined;
  readonly now?: () => number;
}

/** Builds the recorder for one reconcile of one mapping. */
export function journalRecorder(options: JournalRecorderOptions): OperationRecorder {
  const now = options.now ?? Date.now;
  return {
    async started(operation: OperationAction, operationId: string): Promise<void> {
      const startedAt = now();
      options.journal?.record({
        key: operationKey(options.scope, operation),
        tenantId: options.tenantId,
        action: operation.kind,
        target: operation.number,
        operationId,
        startedAt,
      });
      await options.persist?.({ operationId, operation }, new Date(startedAt).toISOString());
    },
    finished(operation: OperationAction): void {
      options.journal?.complete(operationKey(options.scope, operation));
    },
  };
}

/** The journal's lookup for observe (`undefined` when no journal is configured). */
export function journalLookup(journal: OperationJournal | undefined): ((key: string) => { operationId: string; startedAt: string } | undefined) | undefined {
  if (journal === undefined) return undefined;
  return (key) => {
    const entry = journal.find(key);
    return entry === undefined ? undefined : { operationId: entry.operationId, startedAt: new Date(entry.startedAt).toISOString() };
  };
}
