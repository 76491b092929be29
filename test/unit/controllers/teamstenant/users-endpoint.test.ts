import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { test } from 'node:test';
import type { DirectorySnapshot } from '../../../../controllers/shared/directory-snapshot.ts';
import { defaultPlanCatalog, TeamsPhonePlanIds } from '../../../../controllers/shared/eligibility.ts';
import { usersHandler, type UsersAccess } from '../../../../controllers/teamstenant/users-endpoint.ts';
import type { User } from '../../../../pkg/graph/index.ts';

const users: User[] = Array.from({ length: 5 }, (_, i) => ({
  id: `00000000-0000-4000-8000-00000000000${String(i)}`,
  userPrincipalName: `user${String(i)}@contoso.example`,
  accountEnabled: true,
  assignedPlans: i % 2 === 0 ? [{ servicePlanId: TeamsPhonePlanIds.MCOEV, capabilityStatus: 'Enabled' }] : [],
}));
const directory = (loaded: boolean) =>
  ({
    loaded,
    version: 1,
    refreshedAt: Date.parse('2026-12-03T10:00:00Z'),
    catalog: defaultPlanCatalog,
    users: () => users.values(),
  }) as unknown as DirectorySnapshot;
const directories: Record<string, DirectorySnapshot> = { 'acme/contoso': directory(true), 'acme/starting': directory(false) };
const sources = { directory: (key: string) => directories[key], mappingsOf: () => [] };
/** Only the token "good" may read, and only tenants of namespace acme. */
const access: UsersAccess = (authorization, namespace) => {
  if (authorization === undefined) return Promise.resolve({ status: 401, reason: 'Unauthorized (a bearer token is required)' });
  if (authorization !== 'Bearer good' || namespace !== 'acme') return Promise.resolve({ status: 403, reason: 'User "x" cannot get teamstenants/users' });
  return Promise.resolve({ status: 200, reason: 'ok' });
};

async function call(url: string, authorization?: string): Promise<{ status: number; headers: Record<string, string>; body: Record<string, unknown> }> {
  const handler = usersHandler(sources, access);
  let status = 0;
  let headers: Record<string, string> = {};
  let text = '';
  const res = {
    writeHead(code: number, h: Record<string, string>) {
      status = code;
      headers = h;
      return res;
    },
    end(body: string) {
      text = body;
    },
  } as unknown as ServerResponse;
  await handler({ url, headers: authorization === undefined ? {} : { authorization } } as unknown as IncomingMessage, res);
  return { status, headers, body: JSON.parse(text) as Record<string, unknown> };
}

const base = '/teamssync/v1alpha1/namespaces/acme/teamstenants';

test('users endpoint: authorisation first, then the tenant, then the page', async () => {
  const cases: { url: string; auth?: string; status: number; match: RegExp }[] = [
    { url: `${base}/contoso/users`, status: 401, match: /bearer token is required/ },
    { url: `${base}/contoso/users`, auth: 'Bearer bad', status: 403, match: /cannot get teamstenants\/users/ },
    { url: '/teamssync/v1alpha1/namespaces/other/teamstenants/contoso/users', auth: 'Bearer good', status: 403, match: /cannot get/ },
    { url: `${base}/nosuch/users`, auth: 'Bearer good', status: 404, match: /not known to this replica/ },
    { url: `${base}/starting/users`, auth: 'Bearer good', status: 503, match: /has not finished/ },
    { url: `${base}/contoso/users?filter=odd`, auth: 'Bearer good', status: 400, match: /Unknown filter "odd"/ },
    { url: `${base}/contoso/users?continue=garbage`, auth: 'Bearer good', status: 400, match: /continue token/ },
    { url: `${base}/contoso/secrets`, auth: 'Bearer good', status: 404, match: /use \/teamssync/ },
    { url: `${base}/contoso/users?filter=ineligible`, auth: 'Bearer good', status: 200, match: /"matching":2/ },
  ];
  for (const c of cases) {
    const got = await call(c.url, c.auth);
    assert.equal(got.status, c.status, c.url);
    assert.match(typeof got.body['message'] === 'string' ? got.body['message'] : JSON.stringify(got.body['metadata']), c.match, c.url);
  }
  assert.equal((await call(`${base}/contoso/users`)).headers['www-authenticate'], 'Bearer');
  assert.equal((await call(`${base}/starting/users`, 'Bearer good')).headers['retry-after'], '5');
});

test('users endpoint: pages follow continue to the end, every user once', async () => {
  const seen: string[] = [];
  let next: string | undefined;
  do {
    const got = await call(`${base}/contoso/users?limit=2${next === undefined ? '' : `&continue=${next}`}`, 'Bearer good');
    assert.equal(got.status, 200);
    const body = got.body as {
      kind: string;
      metadata: { continue?: string; matching: number; directoryReadAt: string };
      items: { userPrincipalName: string }[];
    };
    assert.equal(body.kind, 'TeamsUserList');
    assert.equal(body.metadata.matching, 5);
    assert.equal(body.metadata.directoryReadAt, '2026-12-03T10:00:00.000Z');
    seen.push(...body.items.map((u) => u.userPrincipalName));
    next = body.metadata.continue;
  } while (next !== undefined);
  assert.deepEqual(
    seen,
    users.map((u) => u.userPrincipalName),
  );
});
