/**
 * Simulator fidelity: every route the simulator serves maps to the v1.0 schema (entity set, singleton, key,
 * navigation, bound action/function, cast, or a documented OData system segment), and every JSON property it
 * returns exists on the declared type with a valid enum member / primitive kind (or is a documented exception).
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { ROUTES, type TenantSeed } from '../../../pkg/m365sim/index.ts';
import { withSimulator } from '../../harness/m365.ts';
import { loadCsdl } from './csdl.ts';
import { checkResponse, resolvePattern } from './schema-check.ts';

const csdl = loadCsdl();

describe('m365sim contract: routes', () => {
  for (const route of ROUTES) {
    test(`${route.method} ${route.pattern} is ${route.schema.kind} ${route.schema.name}`, () => {
      const r = resolvePattern(csdl, route.pattern);
      assert.ok(r.ok, r.ok ? '' : r.error);
      assert.deepEqual(r.target, route.schema);
      if (route.returns !== undefined) assert.ok(csdl.types[route.returns], `returns ${route.returns} is not a schema type`);
    });
  }
});

describe('m365sim contract: the checker itself', () => {
  const cases = [
    { name: 'UnknownProperty', type: 'microsoft.graph.user', body: { id: 'x', faxNumberX: '1' }, want: /faxNumberX: not a property/ },
    {
      name: 'EnumMemberNotInV1',
      type: 'microsoft.graph.teamsAdministration.telephoneNumberLongRunningOperation',
      body: { id: 'x', status: 'skipped' },
      want: /not a member/,
    },
    {
      name: 'EvolvableMember',
      type: 'microsoft.graph.teamsAdministration.teamsUserConfiguration',
      body: { id: 'x', accountType: 'ineligibleUser' },
      want: /not a member/,
    },
    { name: 'WrongPrimitive', type: 'microsoft.graph.user', body: { id: 'x', accountEnabled: 'yes' }, want: /not a valid Edm.Boolean/ },
    { name: 'NestedComplex', type: 'microsoft.graph.user', body: { assignedPlans: [{ servicePlanId: 'not-a-guid' }] }, want: /not a valid Edm.Guid/ },
  ];
  for (const tc of cases) {
    test(`rejects ${tc.name}`, () => {
      assert.match(checkResponse(csdl, tc.type, tc.body, 'x').join('\n'), tc.want);
    });
  }
});

const TENANT = '55555555-6666-4777-8888-999999999999';
const [ADMIN, ALICE, BOB] = ['a0000000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-000000000002', 'a0000000-0000-4000-8000-000000000003'];
const seed: TenantSeed = {
  tenantId: TENANT,
  domains: ['contract.example'],
  apps: [
    {
      appId: 'c0000000-0000-4000-8000-000000000001',
      secrets: ['s'],
      applicationPermissions: [
        'User.Read.All',
        'LicenseAssignment.Read.All',
        'TeamsTelephoneNumber.ReadWrite.All',
        'TeamsPolicyUserAssign.ReadWrite.All',
        'TeamsUserConfiguration.Read.All',
        'Presence.Read.All',
        'Contacts.Read',
      ],
    },
  ],
  users: [
    { id: ADMIN, userPrincipalName: 'admin@contract.example', displayName: 'Admin', licenses: ['SPE_E5'], directoryRoles: ['Global Administrator'] },
    {
      id: ALICE,
      userPrincipalName: 'alice@contract.example',
      displayName: 'Alice A',
      licenses: ['ENTERPRISEPACK', 'MCOEV'],
      enterpriseVoiceEnabled: true,
      policies: [{ policyType: 'OnlineVoiceRoutingPolicy', name: 'VRP' }],
      presence: { availability: 'Busy', activity: 'InACall' },
      contacts: [
        { displayName: 'Garth Fort', businessPhones: ['+1 425 555 0102'], emailAddresses: [{ address: 'g@f.example' }] },
        { displayName: 'In folder', folder: 'Partners' },
      ],
    },
    { id: BOB, userPrincipalName: 'bob@contract.example', displayName: 'Bob B', licenses: ['MCOTEAMS_ESSENTIALS'] },
  ],
  numbers: [
    { telephoneNumber: '+14255550100', numberType: 'directRouting', assignedTo: ALICE },
    { telephoneNumber: '+12065550100', numberType: 'callingPlan' },
  ],
  policies: [{ policyType: 'OnlineVoiceRoutingPolicy', name: 'VRP' }],
};

const sim = await withSimulator({ after }, { seed: [seed], operationDelayMs: 0 });

async function appToken(): Promise<string> {
  const form = new URLSearchParams({
    client_id: 'c0000000-0000-4000-8000-000000000001',
    client_secret: 's',
    grant_type: 'client_credentials',
    scope: 'https://graph.microsoft.com/.default',
  });
  const res = await fetch(`${sim.loginUrl}/${TENANT}/oauth2/v2.0/token`, { method: 'POST', body: form });
  return ((await res.json()) as { access_token: string }).access_token;
}

async function call(
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown>; location: string | null }> {
  const headers: Record<string, string> = { Authorization: `Bearer ${token}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path.startsWith('https://') ? path : `${sim.graphUrl}v1.0${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, json: text.startsWith('{') ? (JSON.parse(text) as Record<string, unknown>) : {}, location: res.headers.get('location') };
}

describe('m365sim contract: returned properties', () => {
  test('every route with a return type answers with schema names only', async () => {
    const token = await appToken();
    const N = '/admin/teams/telephoneNumberManagement/numberAssignments';
    const op = await call(token, 'POST', `${N}/assignNumber`, { telephoneNumber: '+14255550199', assignmentTargetId: ALICE, numberType: 'directRouting' });
    await call(token, 'GET', op.location ?? '');
    const numberId = ((await call(token, 'GET', N)).json['value'] as { id: string }[])[0]?.id ?? '';
    const contacts = await call(token, 'GET', `/users/${ALICE}/contacts`);
    const folders = await call(token, 'GET', `/users/${ALICE}/contactFolders`);
    const contactId = (contacts.json['value'] as { id: string }[])[0]?.id ?? '';
    const folderId = (folders.json['value'] as { id: string }[])[0]?.id ?? '';
    sim.control.deleteUser(TENANT, BOB);
    const deltaFirst = await call(token, 'GET', '/users/delta?$select=id,displayName,assignedPlans');
    sim.control.renameUser(TENANT, ALICE, { displayName: 'Alice Renamed' });
    const paths: [string, string, unknown?][] = [
      ['GET', '/users?$select=id,displayName,userPrincipalName,mail,accountEnabled,assignedPlans,assignedLicenses,usageLocation,createdDateTime'],
      ['GET', '/users'],
      ['GET', `/users/${ALICE}`],
      ['GET', '/subscribedSkus'],
      ['GET', `/subscribedSkus/${TENANT}_e43b5b99-8dfb-405f-9987-dc307f34bcbd`],
      ['GET', deltaFirst.json['@odata.deltaLink'] as string],
      ['GET', N],
      ['GET', `${N}/${numberId}`],
      ['GET', op.location ?? ''],
      ['GET', "/admin/teams/policy/getPolicyId(type='OnlineVoiceRoutingPolicy',name='VRP')"],
      ['GET', '/admin/teams/userConfigurations?$expand=user'],
      ['GET', `/admin/teams/userConfigurations/${ALICE}`],
      ['POST', '/communications/getPresencesByUserId', { ids: [ALICE, ADMIN] }],
      ['GET', `/users/${ALICE}/presence`],
      ['GET', `/communications/presences/${ALICE}`],
      ['GET', `/users/${ALICE}/contacts`],
      ['GET', `/users/${ALICE}/contacts/${contactId}`],
      ['GET', `/users/${ALICE}/contacts/delta`],
      ['GET', `/users/${ALICE}/contactFolders`],
      ['GET', `/users/${ALICE}/contactFolders/${folderId}/contacts`],
      ['GET', `/users/${ALICE}/contactFolders/${folderId}/contacts/delta`],
      ['GET', `/users/${ALICE}/contactFolders/${folderId}/childFolders`],
      ['GET', `/users/${ADMIN}/memberOf`],
      ['GET', `/users/${ADMIN}/memberOf/microsoft.graph.directoryRole`],
      ['GET', `/users/${ADMIN}/transitiveMemberOf`],
      ['GET', `/users/${ADMIN}/transitiveMemberOf/microsoft.graph.directoryRole`],
    ];
    const problems: string[] = [];
    for (const [method, path, body] of [...paths, ['GET', '/users/delta'] as [string, string]]) {
      const before = sim.control.requestLog({ host: 'graph' }).length;
      const r = await call(token, method, path, body);
      const entry = sim.control.requestLog({ host: 'graph' })[before];
      const route = ROUTES.find((x) => x.pattern === entry?.route && x.method === method);
      assert.equal(r.status, 200, `${method} ${path} → ${r.status} ${JSON.stringify(r.json)}`);
      if (route?.returns) problems.push(...checkResponse(csdl, route.returns, r.json, `${method} ${route.pattern}`));
    }
    assert.deepEqual(problems, []);
    const served = new Set(sim.control.requestLog({ host: 'graph', status: 200 }).map((e) => e.route));
    const missing = ROUTES.filter((r) => r.returns !== undefined && !served.has(r.pattern)).map((r) => r.pattern);
    assert.deepEqual(missing, [], 'routes with a return type not exercised by this test');
  });
});
