/**
 * Outlook contacts (https://learn.microsoft.com/graph/api/user-list-contacts): default folder, child folders, contacts with $top/$skip paging (default 10),
 * and contacts delta per folder (page size via `Prefer: odata.maxpagesize`).
 */
import { Errors } from '../errors.ts';
import { keysetPage, nextLink, preferredPageSize, readSkip, readTop } from '../paging.ts';
import { BOTH, type GraphRequest, type Permissions, type RouteDef } from '../server/route-types.ts';
import type { ContactRecord } from '../state/contact-store.ts';
import { decodeOpaque, encodeOpaque } from '../state/ids.ts';
import { mailboxUser } from './mail.ts';
import { contextUrl, ok, project, readFilter, readSelect } from './odata-query.ts';
import { GraphHttpError } from '../errors.ts';

const READ: Permissions = { application: ['Contacts.Read', 'Contacts.ReadWrite'], delegated: ['Contacts.Read', 'Contacts.ReadWrite'] };
const CONTACT_PROPERTIES = [
  'id',
  'createdDateTime',
  'lastModifiedDateTime',
  'changeKey',
  'categories',
  'parentFolderId',
  'displayName',
  'givenName',
  'surname',
  'companyName',
  'jobTitle',
  'mobilePhone',
  'businessPhones',
  'homePhones',
  'imAddresses',
  'emailAddresses',
];
const DELTA_PREFIX = 'cD1';

function serializeContact(c: ContactRecord, select: readonly string[] | undefined): Record<string, unknown> {
  return { '@odata.etag': `W/"${c.changeKey}"`, ...project(c, select ? ['id', ...select.filter((s) => s !== 'id')] : CONTACT_PROPERTIES) };
}

function folderIdOf(req: GraphRequest, userId: string): string {
  const m = req.tenant.contacts.mailbox(userId);
  const fid = req.params['folderId'];
  if (fid === undefined) return m.defaultFolderId;
  if (fid !== m.defaultFolderId && !m.folders.has(fid)) throw Errors.itemNotFound();
  return fid;
}

function listContacts(req: GraphRequest): { status: number; body: unknown } {
  const user = mailboxUser(req);
  const folderId = folderIdOf(req, user.id);
  const select = readSelect(req.query, CONTACT_PROPERTIES, 'microsoft.graph.contact');
  const filter = readFilter(req, CONTACT_PROPERTIES, 'contact', true);
  const top = readTop(req.query, 10, 1000);
  const skip = readSkip(req.query);
  const all = req.tenant.contacts.contactsIn(user.id, folderId).filter((c) => !filter || filter(c));
  const body: Record<string, unknown> = { '@odata.context': contextUrl(req, `users('${user.id}')/contacts`, select) };
  if (skip + top < all.length) body['@odata.nextLink'] = nextLink(req.versionBase, req.path, req.query, '$skip', String(skip + top));
  body['value'] = all.slice(skip, skip + top).map((c) => serializeContact(c, select));
  return ok(body);
}

function getContact(req: GraphRequest): { status: number; body: unknown } {
  const user = mailboxUser(req);
  const c = req.tenant.contacts.mailbox(user.id).contacts.get(req.params['contactId'] ?? '');
  if (!c) throw Errors.itemNotFound();
  const select = readSelect(req.query, CONTACT_PROPERTIES, 'microsoft.graph.contact');
  return ok({ '@odata.context': contextUrl(req, `users('${user.id}')/contacts`, select, true), ...serializeContact(c, select) });
}

function listFolders(req: GraphRequest): { status: number; body: unknown } {
  const user = mailboxUser(req);
  const m = req.tenant.contacts.mailbox(user.id);
  const parent = req.params['folderId'] ?? m.defaultFolderId;
  const folders = [...m.folders.values()].filter((f) => f.parentFolderId === parent);
  return ok({ '@odata.context': contextUrl(req, `users('${user.id}')/contactFolders`), value: folders });
}

interface ContactDeltaState {
  f: string;
  /** The mailbox's delta generation when the round started (see ContactStore.expireDeltaTokens). */
  g: number;
  from: number;
  to: number;
  init: boolean;
  a?: string;
}

function contactsDelta(req: GraphRequest): { status: number; body: unknown; headers: Record<string, string> } {
  const user = mailboxUser(req);
  const folderId = folderIdOf(req, user.id);
  const store = req.tenant.contacts;
  const token = req.query.get('$skiptoken') ?? req.query.get('$deltatoken');
  const generation = store.mailbox(user.id).deltaGeneration;
  let s: ContactDeltaState;
  if (token === null) s = { f: folderId, g: generation, from: store.seq, to: store.seq, init: true };
  else {
    const decoded = decodeOpaque(DELTA_PREFIX, token) as ContactDeltaState | undefined;
    // Outlook keeps delta state in a bounded cache; an evicted or foreign token is 410 Gone (https://learn.microsoft.com/graph/delta-query-overview).
    if (!decoded || decoded.f !== folderId || decoded.g !== generation)
      throw new GraphHttpError(410, 'SyncStateNotFound', 'The sync state is invalid or expired. Restart with a full synchronisation.');
    s = req.query.has('$deltatoken') ? { ...decoded, to: store.seq, init: false } : decoded;
  }
  const items: { id: string; body: Record<string, unknown> }[] = s.init
    ? store.contactsIn(user.id, folderId).map((c) => ({ id: c.id, body: serializeContact(c, undefined) }))
    : store.changesSince(user.id, folderId, s.from).map(({ contactId, removed }) => {
        const c = store.mailbox(user.id).contacts.get(contactId);
        return {
          id: contactId,
          body:
            removed || !c ? { '@odata.type': '#microsoft.graph.contact', id: contactId, '@removed': { reason: 'deleted' } } : serializeContact(c, undefined),
        };
      });
  items.sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
  const size = preferredPageSize(req.headers['prefer']) ?? 10;
  const { page, more } = keysetPage(items, s.a, size);
  const body: Record<string, unknown> = { '@odata.context': contextUrl(req, `Collection(contact)`) };
  const last = page[page.length - 1];
  const empty = new URLSearchParams();
  if (more && last) body['@odata.nextLink'] = nextLink(req.versionBase, req.path, empty, '$skiptoken', encodeOpaque(DELTA_PREFIX, { ...s, a: last.id }));
  else
    body['@odata.deltaLink'] = nextLink(
      req.versionBase,
      req.path,
      empty,
      '$deltatoken',
      encodeOpaque(DELTA_PREFIX, { f: folderId, g: s.g, from: s.to, to: s.to, init: false }),
    );
  body['value'] = page.map((p) => p.body);
  const applied = preferredPageSize(req.headers['prefer']);
  return { status: 200, body, headers: applied === undefined ? {} : { 'Preference-Applied': `odata.maxpagesize=${applied}` } };
}

const get = (pattern: string, schema: RouteDef['schema'], handler: RouteDef['handler'], returns?: string): RouteDef => ({
  method: 'GET',
  pattern,
  versions: BOTH,
  schema,
  throttle: 'outlook',
  permissions: READ,
  deniedCode: 'ErrorAccessDenied',
  handler,
  ...(returns === undefined ? {} : { returns }),
});

/** The contacts routes. */
export const contactRoutes: readonly RouteDef[] = [
  get('/users/{id}/contacts', { kind: 'navigation', name: 'contacts' }, listContacts, 'microsoft.graph.contact'),
  get('/users/{id}/contacts/delta', { kind: 'function', name: 'delta' }, contactsDelta, 'microsoft.graph.contact'),
  get('/users/{id}/contacts/{contactId}', { kind: 'key', name: 'microsoft.graph.contact' }, getContact, 'microsoft.graph.contact'),
  get('/users/{id}/contactFolders', { kind: 'navigation', name: 'contactFolders' }, listFolders, 'microsoft.graph.contactFolder'),
  get('/users/{id}/contactFolders/{folderId}/contacts', { kind: 'navigation', name: 'contacts' }, listContacts, 'microsoft.graph.contact'),
  get('/users/{id}/contactFolders/{folderId}/contacts/delta', { kind: 'function', name: 'delta' }, contactsDelta, 'microsoft.graph.contact'),
  get('/users/{id}/contactFolders/{folderId}/childFolders', { kind: 'navigation', name: 'childFolders' }, listFolders, 'microsoft.graph.contactFolder'),
];
