/**
 * The observe step's Graph half: reads each selected source with its delta round and applies every finished round to
 * the contact store at once, so an interrupted sync (throttling, deletion, a crash) keeps what it read and the next
 * pass continues from the stored links. A mailbox that cannot be read is reported per user and never stops the
 * others; a missing permission or throttling stops that source for this pass.
 */
import PQueue from 'p-queue';
import { isGraphError, mailboxProblemHint, mailboxProblemOf, type Contact, type DeltaTokenStore, type User } from '../../pkg/graph/index.ts';
import type { ContactStore, RawRecord } from '../../pkg/contacts/contact-store.ts';
import { folderListingKey, rememberedFolders, rememberFolders } from './folder-listing.ts';
import type { ContactFolderRef, ContactsGraph, DeltaRoundResult } from './graph-port.ts';

/** The directory's scope (and delta-link key). */
export const DIRECTORY_SCOPE = 'directory';
/** The name that selects a mailbox's default Contacts folder in `spec.sources.personalContacts.folders`. */
const DEFAULT_FOLDER_NAME = 'contacts';
/**
 * Mailboxes read at once. Outlook paces each mailbox on its own (pkg/graph's lanes: 4 in flight, 10,000 per 10
 * minutes), so the import is latency-bound and many mailboxes go side by side. The bound is the tenant client's
 * HTTPS agent (32 sockets, pkg/graph/tls.ts): past it requests only wait for a socket while their timeout runs; and
 * each mailbox being read holds its rounds in memory until they are applied.
 */
const MAILBOX_CONCURRENCY = 32;

/** Which sources to read this pass. */
export interface SourceSelection {
  readonly directory: boolean;
  /** Mailboxes (user principal names, lower-cased, unique). */
  readonly mailboxes: readonly string[];
  /** Folder names (lower-cased) to read; undefined: every folder. */
  readonly folders?: readonly string[];
}

/** A mailbox that could not be read, with what fixes it. */
export interface UnreadableMailbox {
  readonly user: string;
  readonly reason: string;
}

/** What reading the sources found. */
export interface SourcesRead {
  /** Scopes read in full because Graph expired their delta link. */
  readonly resynced: readonly string[];
  /** Scopes read in full for the first time. */
  readonly initial: readonly string[];
  /** Rounds read, by mode (for metrics). */
  readonly rounds: Readonly<Record<'initial' | 'incremental' | 'resync', number>>;
  /** Rounds that changed anything (upserts or removals). */
  readonly roundsWithChanges: number;
  readonly mailboxesRead: number;
  readonly unreadable: readonly UnreadableMailbox[];
  /** The permission a source lacks (admin consent), by source. */
  readonly consentMissing: readonly { readonly source: 'directory' | 'personal'; readonly permission: string }[];
  /** Set when Graph throttled a read past pkg/graph's own waiting: the longest Retry-After seen. */
  readonly throttledForMs?: number;
}

/** Scope of one folder of one mailbox (`default` is the default Contacts folder). */
function folderScope(mailbox: string, folderId: string | undefined): string {
  return `personal/${mailbox}/${folderId ?? 'default'}`;
}

/** The mailbox a personal scope belongs to, or undefined for the directory. */
export function mailboxOfScope(scope: string): string | undefined {
  if (!scope.startsWith('personal/')) return undefined;
  return scope.slice('personal/'.length, scope.lastIndexOf('/'));
}

/**
 * Why a mailbox is unreadable and what fixes it, or undefined when the error is not about the mailbox. pkg/graph
 * tells mailbox problems apart (one rule for every controller); the ContactSync adds its own way out.
 */
function unreadableReason(error: unknown): string | undefined {
  const problem = mailboxProblemOf(error);
  if (problem === undefined) return undefined;
  const code = isGraphError(error) ? error.graphCode : undefined;
  return `${code === undefined ? problem : code}: ${mailboxProblemHint(problem)}; or remove the user from the ContactSync`;
}

class Reader {
  readonly resynced: string[] = [];
  readonly initial: string[] = [];
  readonly unreadable: UnreadableMailbox[] = [];
  readonly consentMissing: { source: 'directory' | 'personal'; permission: string }[] = [];
  readonly rounds = { initial: 0, incremental: 0, resync: 0 };
  /** Stored scopes by mailbox, read once per pass (one query instead of one per mailbox). */
  readonly scopesByMailbox = new Map<string, string[]>();
  roundsWithChanges = 0;
  mailboxesRead = 0;
  throttledForMs: number | undefined;

  readonly graph: ContactsGraph;
  readonly store: ContactStore;
  readonly sync: string;

  constructor(graph: ContactsGraph, store: ContactStore, sync: string) {
    this.graph = graph;
    this.store = store;
    this.sync = sync;
    for (const scope of store.scopes(sync)) {
      const mailbox = mailboxOfScope(scope);
      if (mailbox !== undefined) this.scopesByMailbox.set(mailbox, [...(this.scopesByMailbox.get(mailbox) ?? []), scope]);
    }
  }

  apply<T extends { id: string }>(scope: string, round: DeltaRoundResult<T>, keyOf: (id: string) => string): void {
    this.rounds[round.mode]++;
    if (round.mode !== 'incremental') (round.mode === 'resync' ? this.resynced : this.initial).push(scope);
    if (round.upserts.length > 0 || round.removedIds.length > 0) this.roundsWithChanges++;
    const upserts: RawRecord[] = round.upserts.map((item) => ({ key: keyOf(item.id), raw: { ...item } }));
    this.store.applyRound(this.sync, { scope, full: round.mode !== 'incremental', upserts, removedKeys: round.removedIds.map(keyOf) });
  }

  /** Classifies an error that stops a source; rethrows what is neither consent nor throttling. */
  stopped(source: 'directory' | 'personal', error: unknown): void {
    if (isGraphError(error, 'ConsentRequired')) {
      const permission = error.permission ?? (source === 'directory' ? 'User.Read.All' : 'Contacts.Read');
      if (!this.consentMissing.some((c) => c.source === source)) this.consentMissing.push({ source, permission });
      return;
    }
    if (isGraphError(error, 'Throttled')) {
      this.throttledForMs = Math.max(this.throttledForMs ?? 0, error.retryAfterMs);
      return;
    }
    throw error;
  }

  async #listFolders(mailbox: string, links: DeltaTokenStore, signal: AbortSignal): Promise<readonly ContactFolderRef[]> {
    const listed = await this.graph.contactFolders(mailbox, signal);
    await rememberFolders(links, mailbox, listed, Date.now());
    return listed;
  }

  /** Reads the selected folders of `mailbox` among `listed`, then drops the scopes of folders gone or deselected. */
  async #folders(
    mailbox: string,
    folders: readonly string[] | undefined,
    listed: readonly ContactFolderRef[],
    links: DeltaTokenStore,
    signal: AbortSignal,
  ): Promise<void> {
    const keyOf = (id: string): string => `personal/${mailbox}/${id}`;
    const wanted: (string | undefined)[] = [];
    if (folders === undefined || folders.includes(DEFAULT_FOLDER_NAME)) wanted.push(undefined);
    for (const folder of listed) {
      if (folders === undefined || folders.includes((folder.displayName ?? '').toLowerCase())) wanted.push(folder.id);
    }
    const scopes = new Set(wanted.map((id) => folderScope(mailbox, id)));
    // The folders side by side (pkg/graph keeps the mailbox at 4 in flight); each round is applied when it ends.
    // Settled, not raced: a failed folder must not leave its siblings applying after the mailbox was given up.
    const settled = await Promise.allSettled(
      wanted.map(async (folderId) => {
        const scope = folderScope(mailbox, folderId);
        this.apply<Contact>(scope, await this.graph.folderRound(mailbox, folderId, links, scope, signal), keyOf);
      }),
    );
    const failed = settled.find((r) => r.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    // Folders deleted in Outlook or no longer selected go with their contacts.
    this.store.dropScopes(
      this.sync,
      (this.scopesByMailbox.get(mailbox) ?? []).filter((s) => !scopes.has(s)),
    );
  }

  async directory(signal: AbortSignal): Promise<void> {
    try {
      const round = await this.graph.directoryRound(this.store.deltaLinks(this.sync), DIRECTORY_SCOPE, signal);
      this.apply<User>(DIRECTORY_SCOPE, round, (id) => `directory/${id}`);
    } catch (error) {
      this.stopped('directory', error);
    }
  }

  async mailbox(mailbox: string, folders: readonly string[] | undefined, signal: AbortSignal): Promise<void> {
    const links = this.store.deltaLinks(this.sync);
    try {
      const remembered = await rememberedFolders(links, mailbox, Date.now());
      try {
        await this.#folders(mailbox, folders, remembered ?? (await this.#listFolders(mailbox, links, signal)), links, signal);
      } catch (error) {
        // A remembered folder that answers 404 was deleted in Outlook: list the folders again and read what is there.
        if (remembered === undefined || !isGraphError(error, 'NotFound') || mailboxProblemOf(error) !== undefined) throw error;
        await this.#folders(mailbox, folders, await this.#listFolders(mailbox, links, signal), links, signal);
      }
      this.mailboxesRead++;
    } catch (error) {
      const reason = unreadableReason(error);
      if (reason === undefined) throw error;
      this.unreadable.push({ user: mailbox, reason });
      // Its contacts cannot be kept current: they leave the directory until the mailbox can be read again.
      this.store.dropScopes(this.sync, [...(this.scopesByMailbox.get(mailbox) ?? []), folderListingKey(mailbox)]);
    }
  }
}

/**
 * Reads the selected sources into the store.
 *
 * When to use: the reconciler's observe step, once per pass. Gotchas: an aborted `signal` (the ContactSync is being
 * deleted, or leadership was lost) rejects with the abort reason; rounds finished before it stay applied.
 */
export async function readSources(
  graph: ContactsGraph,
  store: ContactStore,
  sync: string,
  selection: SourceSelection,
  signal: AbortSignal,
): Promise<SourcesRead> {
  const reader = new Reader(graph, store, sync);
  if (selection.directory) await reader.directory(signal);
  else store.dropScopes(sync, [DIRECTORY_SCOPE]);
  const selected = new Set(selection.mailboxes);
  for (const [mailbox, scopes] of reader.scopesByMailbox) if (!selected.has(mailbox)) store.dropScopes(sync, [...scopes, folderListingKey(mailbox)]);
  const queue = new PQueue({ concurrency: MAILBOX_CONCURRENCY });
  let personalStopped = false;
  const failures: unknown[] = [];
  for (const mailbox of selection.mailboxes) {
    void queue.add(async () => {
      if (personalStopped || signal.aborted) return;
      try {
        await reader.mailbox(mailbox, selection.folders, signal);
      } catch (error) {
        personalStopped = true;
        failures.push(error);
      }
    });
  }
  await queue.onIdle();
  signal.throwIfAborted();
  // Consent and throttling are the same for every mailbox: one is enough to stop the others for this pass.
  for (const error of failures) reader.stopped('personal', error);
  return {
    resynced: reader.resynced,
    initial: reader.initial,
    rounds: reader.rounds,
    roundsWithChanges: reader.roundsWithChanges,
    mailboxesRead: reader.mailboxesRead,
    unreadable: [...reader.unreadable].sort((a, b) => (a.user < b.user ? -1 : a.user > b.user ? 1 : 0)),
    consentMissing: reader.consentMissing,
    ...(reader.throttledForMs === undefined ? {} : { throttledForMs: reader.throttledForMs }),
  };
}
