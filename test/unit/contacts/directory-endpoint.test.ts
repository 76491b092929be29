import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { ContactStore, contactStoreMigrations } from '../../../pkg/contacts/contact-store.ts';
import { createDirectoryEndpoint } from '../../../pkg/contacts/directory-endpoint.ts';
import type { DirectoryEntry } from '../../../pkg/contacts/directory-entry.ts';
import { Redacted } from '../../../pkg/graph/redacted.ts';
import { openStateDatabase } from '../../../pkg/state/database.ts';

const TOKEN = 'directory-unit-token';
const entry = (id: string, displayName = id): DirectoryEntry => ({ id, displayName, phones: [], emails: [], provenance: {}, sources: [`directory/${id}`] });
const store = new ContactStore(openStateDatabase(':memory:', contactStoreMigrations));
let serving = true;
const endpoint = createDirectoryEndpoint({
  store,
  unavailable: () => (serving ? undefined : { message: 'standby', retryAfterSeconds: 5 }),
  resolve: (namespace, name) => (namespace === 'ns' && name === 'contacts' ? { sync: 'uid-1', tokens: [Redacted.of(TOKEN)] } : undefined),
});
let server: Server;
let base = '';

before(async () => {
  server = createServer((req, res) => {
    if (!endpoint.handle(req, res)) res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
});
after(() => server.close());

function get(path: string, headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` }, method = 'GET') {
  return new Promise<{ status: number; etag?: string; body: Record<string, unknown> }>((resolve, reject) => {
    const req = request(`${base}${path}`, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({
          status: res.statusCode ?? 0,
          ...(res.headers.etag === undefined ? {} : { etag: res.headers.etag }),
          body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
        });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

test('directory endpoint: refusals (table)', async () => {
  const cases: readonly [path: string, headers: Record<string, string> | undefined, method: string, status: number][] = [
    ['/contacts/ns/contacts', {}, 'GET', 401],
    ['/contacts/ns/contacts', { authorization: 'Bearer wrong' }, 'GET', 403],
    ['/contacts/ns/other', undefined, 'GET', 403],
    ['/contacts/ns/contacts', undefined, 'POST', 405],
    ['/contacts/ns/contacts?limit=0', undefined, 'GET', 400],
    ['/contacts/ns/contacts?since=nonsense', undefined, 'GET', 400],
    ['/contacts/ns/contacts?cursor=%%%', undefined, 'GET', 400],
    ['/elsewhere', undefined, 'GET', 404],
  ];
  for (const [path, headers, method, status] of cases) assert.equal((await get(path, headers, method)).status, status, `${method} ${path}`);
});

test('directory endpoint: pages with cursors, ETag and 304, then since returns only changes; another epoch is 410', async () => {
  store.publish('uid-1', [entry('a'), entry('b'), entry('c')]);
  const first = await get('/contacts/ns/contacts?limit=2');
  assert.equal(first.status, 200);
  assert.deepEqual(
    (first.body['entries'] as DirectoryEntry[]).map((e) => e.id),
    ['a', 'b'],
  );
  const token = first.body['syncToken'] as string;
  const second = await get(`/contacts/ns/contacts?limit=2&cursor=${encodeURIComponent(first.body['next'] as string)}`);
  assert.deepEqual(
    (second.body['entries'] as DirectoryEntry[]).map((e) => e.id),
    ['c'],
  );
  assert.equal(second.body['next'], undefined);
  assert.equal((await get('/contacts/ns/contacts?limit=2', { authorization: `Bearer ${TOKEN}`, 'if-none-match': first.etag ?? '' })).status, 304);

  store.publish('uid-1', [entry('a', 'Alice'), entry('c'), entry('d')]);
  const changes = await get(`/contacts/ns/contacts?since=${encodeURIComponent(token)}&limit=2`);
  assert.equal((changes.body['changes'] as unknown[]).length, 2);
  assert.ok(changes.body['next'] !== undefined, 'more changes wait');
  const rest = await get(`/contacts/ns/contacts?since=${encodeURIComponent(changes.body['next'] as string)}&limit=2`);
  assert.equal((rest.body['changes'] as unknown[]).length, 1);
  assert.equal(rest.body['next'], undefined);
  const upToDate = await get(`/contacts/ns/contacts?since=${encodeURIComponent(rest.body['syncToken'] as string)}`);
  assert.deepEqual(upToDate.body['changes'], []);
  assert.equal((await get('/contacts/ns/contacts?since=zzzz.1')).status, 410);
});

test('directory endpoint: a standby replica answers 503 with Retry-After', async () => {
  serving = false;
  try {
    assert.equal((await get('/contacts/ns/contacts')).status, 503);
  } finally {
    serving = true;
  }
});
