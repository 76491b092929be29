/** The HTTP control API mirrors the in-process one (what cmd/m365sim users and the demo drive). */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { generateTenantSeed } from '../../../pkg/m365sim/index.ts';
import { withSimulator } from '../../harness/m365.ts';

const sim = await withSimulator({ after });
const tenant = generateTenantSeed({ users: 3, tenantId: '66666666-7777-4888-8999-aaaaaaaaaaaa' });

async function control(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${sim.controlUrl}${path}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: res.status, json: await res.json() };
}

test('control http: seed a tenant, change a user, inject a fault, read counts', async () => {
  assert.equal((await control('POST', '/tenants', tenant)).status, 200);
  assert.deepEqual((await control('GET', '/tenants')).json, [tenant.tenantId]);
  const upn = tenant.users?.[1]?.userPrincipalName ?? '';
  const disabled = (await control('POST', `/users/${upn}/disable`)).json as { accountEnabled: boolean };
  assert.equal(disabled.accountEnabled, false);
  assert.equal(sim.control.user(tenant.tenantId, upn)?.accountEnabled, false);
  const removed = (await control('DELETE', `/tenants/${tenant.tenantId}/users/${upn}/licenses/ENTERPRISEPACK`)).json as { assignedLicenses: unknown[] };
  assert.ok(Array.isArray(removed.assignedLicenses));
  const fault = (await control('POST', '/faults', { path: '/users', status: 500 })).json as { id: string };
  assert.equal(sim.control.faults()[0]?.id, fault.id);
  assert.equal((await control('DELETE', `/faults/${fault.id}`)).status, 200);
  assert.deepEqual((await control('GET', '/violations')).json, []);
  assert.ok(Array.isArray((await control('GET', '/counts')).json));
});

test('control http: unknown operation → 404, bad input → 400 with a message', async () => {
  assert.equal((await control('GET', '/nope')).status, 404);
  const bad = await control('POST', '/tenants/66666666-7777-4888-8999-aaaaaaaaaaaa/users/nobody/disable');
  assert.equal(bad.status, 400);
  assert.match((bad.json as { error: string }).error, /unknown user|no user/);
});
