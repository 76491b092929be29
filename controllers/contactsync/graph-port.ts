/**
 * What the ContactSync controller needs from Microsoft 365, as one port of three reads: a `/users/delta` round over
 * the directory, a mailbox's contact folders, and a contact-folder delta round. Implemented here over pkg/graph's
 * GraphTenantClient (which owns URLs, paging, retries, Retry-After and the Outlook limits); tests use a fake.
 */
import type { Contact, DeltaPage, DeltaTokenStore, GraphTenantClient, User } from '../../pkg/graph/index.ts';

/** Directory properties the PBX directory uses (all in Graph's user entity). */
const DIRECTORY_SELECT = 'id,displayName,givenName,surname,jobTitle,mail,userPrincipalName,mobilePhone,businessPhones,accountEnabled';

/** A contact folder (`microsoft.graph.contactFolder`, id and name). */
export interface ContactFolderRef {
  readonly id: string;
  readonly displayName?: string | null;
}

/** One consumed delta round. */
export interface DeltaRoundResult<T> {
  /** `initial` (no link yet), `incremental`, or `resync` (Graph expired the link: a full read). */
  readonly mode: 'initial' | 'incremental' | 'resync';
  readonly upserts: readonly T[];
  readonly removedIds: readonly string[];
}

/**
 * One tenant's Microsoft 365, as ContactSync reads it.
 *
 * Gotchas: every method consumes its delta round to the end (the new link is stored only then); errors are pkg/graph's
 * typed GraphErrors (NotFound with graphCode ErrorInvalidUser or MailboxNotEnabledForRESTAPI for a mailbox that
 * cannot be read, ConsentRequired naming the permission, Throttled after pkg/graph's own waiting).
 */
export interface ContactsGraph {
  /** One `/users/delta` round, resuming from the link under `key`. */
  directoryRound(links: DeltaTokenStore, key: string, signal: AbortSignal): Promise<DeltaRoundResult<User>>;
  /** The child folders of the mailbox's default Contacts folder. */
  contactFolders(mailbox: string, signal: AbortSignal): Promise<readonly ContactFolderRef[]>;
  /** One contacts delta round of a folder (`undefined`: the default Contacts folder), resuming from the link under `key`. */
  folderRound(mailbox: string, folderId: string | undefined, links: DeltaTokenStore, key: string, signal: AbortSignal): Promise<DeltaRoundResult<Contact>>;
}

async function consume<T extends { id: string }>(rounds: AsyncGenerator<DeltaPage<T>>): Promise<DeltaRoundResult<T>> {
  let mode: DeltaRoundResult<T>['mode'] = 'incremental';
  let upserts: T[] = [];
  let removedIds: string[] = [];
  for await (const page of rounds) {
    if (page.mode !== mode) {
      // A resync restarts the round: what earlier pages said is superseded by the full read.
      mode = page.mode;
      upserts = [];
      removedIds = [];
    }
    upserts.push(...page.upserts);
    removedIds.push(...page.removed.map((r) => r.id));
  }
  return { mode, upserts, removedIds };
}

/** The port over a tenant client (the factory caches the client per tenant and credentials). */
export function graphContactsPort(client: GraphTenantClient): ContactsGraph {
  return {
    directoryRound: (links, key, signal) => consume(client.users.usersDelta(links, key, { select: DIRECTORY_SELECT, signal })),
    contactFolders: (mailbox, signal) => client.contacts.listContactFolders(mailbox, { signal }),
    folderRound: (mailbox, folderId, links, key, signal) =>
      consume(client.contacts.contactsDelta(mailbox, links, key, { ...(folderId === undefined ? {} : { folderId }), pageSize: 100, signal })),
  };
}
