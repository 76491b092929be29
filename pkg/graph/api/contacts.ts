import { assertFeatureAvailable } from '../clouds.ts';
import { deltaRound, type DeltaPage, type DeltaTokenStore } from '../delta.ts';
import { collect, items } from '../paging.ts';
import { seg, type ApiContext } from './context.ts';
import type { Contact } from './outlook-types.ts';

const PERMISSION = 'Contacts.Read';
const CONTACT_SELECT = 'id,displayName,givenName,surname,companyName,jobTitle,mobilePhone,businessPhones,homePhones,emailAddresses,parentFolderId,changeKey';

/** `microsoft.graph.contactFolder` (id and name). */
export interface ContactFolder {
  readonly id: string;
  readonly displayName?: string | null;
  readonly parentFolderId?: string | null;
}

/**
 * Outlook personal contacts (https://learn.microsoft.com/graph/api/user-list-contacts): lists, folders and delta. Outlook allows 4 concurrent requests and
 * 10,000 per 10 minutes per app per mailbox; the tenant limiter's `outlook` bucket enforces both per mailbox (one
 * `MailboxLanes` lane each, keyed by the user named in the URL), so many mailboxes can be read side by side.
 */
export class ContactsApi {
  readonly #ctx: ApiContext;

  constructor(ctx: ApiContext) {
    this.#ctx = ctx;
  }

  /** Contacts in the default folder, or in `folderId`. */
  listContacts(user: string, options: { folderId?: string; signal?: AbortSignal } = {}): AsyncGenerator<Contact> {
    const base = options.folderId === undefined ? `users/${seg(user)}/contacts` : `users/${seg(user)}/contactFolders/${seg(options.folderId)}/contacts`;
    return items<Contact>(this.#ctx.http, {
      method: 'GET',
      path: base,
      query: { $select: CONTACT_SELECT, $top: 1000 },
      operation: 'list contacts',
      permission: PERMISSION,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
  }

  /** Child folders of the default Contacts folder. */
  async listContactFolders(user: string, options: { signal?: AbortSignal } = {}): Promise<ContactFolder[]> {
    return collect(
      items<ContactFolder>(this.#ctx.http, {
        method: 'GET',
        path: `users/${seg(user)}/contactFolders`,
        operation: 'list contact folders',
        permission: PERMISSION,
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      }),
    );
  }

  /**
   * One delta round over a contact folder (documented form) or, without `folderId`, the default folder
   * (`/contacts/delta`, undocumented but observed). Page size via `Prefer: odata.maxpagesize` (https://learn.microsoft.com/graph/api/contact-delta).
   */
  contactsDelta(
    user: string,
    store: DeltaTokenStore,
    key: string,
    options: { folderId?: string; pageSize?: number; signal?: AbortSignal } = {},
  ): AsyncGenerator<DeltaPage<Contact>> {
    assertFeatureAvailable(this.#ctx.cloud, 'contactsDelta');
    const path =
      options.folderId === undefined ? `users/${seg(user)}/contacts/delta` : `users/${seg(user)}/contactFolders/${seg(options.folderId)}/contacts/delta`;
    return deltaRound<Contact>(this.#ctx.http, {
      key,
      store,
      initial: {
        method: 'GET',
        path,
        query: { $select: CONTACT_SELECT },
        headers: { Prefer: `odata.maxpagesize=${options.pageSize ?? 100}` },
        operation: 'read contact changes',
        permission: PERMISSION,
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      },
    });
  }
}
