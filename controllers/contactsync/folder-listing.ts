/**
 * A mailbox's contact-folder list, remembered beside its delta links so an incremental refresh need not list the
 * folders again: Graph has no delta over a mailbox's folders, so listing them costs one call per mailbox per refresh
 * even when nothing changed. The list is re-read when it is older than {@link FOLDER_LIST_MAX_AGE_MS}, on a mailbox's
 * first read, and at once when a remembered folder's delta answers 404 (the folder was deleted).
 *
 * Trade-off: a folder created or renamed in Outlook is seen up to {@link FOLDER_LIST_MAX_AGE_MS} late (its contacts,
 * or its selection by name); contacts added to, changed in or removed from the folders already known are not delayed.
 */
import type { DeltaTokenStore } from '../../pkg/graph/index.ts';
import type { ContactFolderRef } from './graph-port.ts';

/** How long a remembered folder list is trusted. */
const FOLDER_LIST_MAX_AGE_MS = 60 * 60_000;

/** The delta-link key the list is kept under (dropping it with the mailbox's scopes forgets it). */
export function folderListingKey(mailbox: string): string {
  return `folders/${mailbox}`;
}

interface Listing {
  readonly at: number;
  readonly folders: readonly { readonly id: string; readonly displayName: string | null }[];
}

/** The remembered list of `mailbox`, or undefined when there is none, it is unreadable, or it is too old. */
export async function rememberedFolders(links: DeltaTokenStore, mailbox: string, now: number): Promise<readonly ContactFolderRef[] | undefined> {
  const text = await links.get(folderListingKey(mailbox));
  if (text === undefined) return undefined;
  try {
    const listing = JSON.parse(text) as Listing;
    if (typeof listing.at !== 'number' || !Array.isArray(listing.folders)) return undefined;
    return now - listing.at < FOLDER_LIST_MAX_AGE_MS && listing.at <= now ? listing.folders : undefined;
  } catch {
    return undefined;
  }
}

/** Remembers what listing the folders of `mailbox` answered at `now`. */
export async function rememberFolders(links: DeltaTokenStore, mailbox: string, folders: readonly ContactFolderRef[], now: number): Promise<void> {
  const listing: Listing = { at: now, folders: folders.map((f) => ({ id: f.id, displayName: f.displayName ?? null })) };
  await links.set(folderListingKey(mailbox), JSON.stringify(listing));
}
