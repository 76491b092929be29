/** Directory endpoints of the simulator over HTTPS: users paging at scale, query forms, delta, SKUs, errors. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Client } from '@microsoft/microsoft-graph-client';
import { PLAN } from '../../../pkg/m365sim/index.ts';
import { graphFixture } from './fixture.ts';

const f = await graphFixture({ users: 10_000, tenantId: '22222222-3333-4444-8555-666666666666' });
const tid = f.tenant.tenantId;
const phoneFilter = encodeURIComponent(`assignedPlans/any(a:a/servicePlanId eq ${PLAN.MCOEV} and a/capabilityStatus eq 'Enabled')`);

describe('m365sim directory', () => {
  test('pages 10,000 users with the real Graph client in ceil(10000/999) requests', async () => {
    const client = Client.initWithMiddleware({
      baseUrl: f.sim.graphUrl,
      customHosts: new Set(['127.0.0.1']),
      authProvider: { getAccessToken: async () => f.token },
    });
    f.sim.control.resetCounters();
    const ids = new Set<string>();
    let url: string | undefined = '/users?$select=id,userPrincipalName&$top=999';
    while (url !== undefined) {
      const page = (await client.api(url).get()) as { value: { id: string }[]; '@odata.nextLink'?: string };
      for (const u of page.value) ids.add(u.id);
      url = page['@odata.nextLink'];
    }
    assert.equal(ids.size, 10_000);
    assert.equal(f.sim.control.totalRequests({ host: 'graph', route: '/users' }), 11);
  });

  test('advanced query: $count only with ConsistencyLevel, on the first page only', async () => {
    const first = await f.graph('GET', `v1.0/users?$filter=${phoneFilter}&$select=id,assignedPlans&$count=true&$top=999`, {
      headers: { ConsistencyLevel: 'eventual' },
    });
    const count = first.json['@odata.count'] as number;
    assert.ok(count > 6000 && count < 8000, `count ${count}`); // Teams Phone, E5 and Teams Phone with Calling Plan all carry MCOEV
    assert.ok(first.json.value?.every((u) => (u['assignedPlans'] as { servicePlanId: string }[]).some((p) => p.servicePlanId === PLAN.MCOEV)));
    const second = await f.graph('GET', first.json['@odata.nextLink'] as string, { headers: { ConsistencyLevel: 'eventual' } });
    assert.equal(second.json['@odata.count'], undefined);
    const noHeader = await f.graph('GET', `v1.0/users?$filter=${phoneFilter}&$count=true&$top=5`);
    assert.equal(noHeader.status, 200);
    assert.equal(noHeader.json['@odata.count'], undefined);
  });

  const badQueries = [
    { name: 'NeWithoutAdvanced', path: 'v1.0/users?$filter=accountEnabled ne true', status: 400, code: 'Request_UnsupportedQuery' },
    { name: 'UnindexedProperty', path: "v1.0/users?$filter=faxNumber eq '1'", status: 400, code: 'Request_UnsupportedQuery' },
    { name: 'TopTooLarge', path: 'v1.0/users?$top=1000', status: 400, code: 'Request_BadRequest' },
    { name: 'CountWithoutHeader', path: 'v1.0/users/$count', status: 400, code: 'Request_BadRequest' },
    { name: 'UnknownSegment', path: 'v1.0/usersx', status: 400, code: 'BadRequest' },
    { name: 'UnknownUser', path: 'v1.0/users/nobody@nowhere.example', status: 404, code: 'Request_ResourceNotFound' },
  ];
  for (const tc of badQueries) {
    test(`error: ${tc.name} → ${tc.status} ${tc.code} with Graph's error body`, async () => {
      const r = await f.graph('GET', tc.path, { headers: { 'client-request-id': 'abc-123' } });
      assert.equal(r.status, tc.status);
      assert.equal(r.json.error?.code, tc.code);
      assert.equal(r.json.error?.innerError?.['client-request-id'], 'abc-123');
      assert.equal(r.json.error?.innerError?.['request-id'], r.headers.get('request-id'));
    });
  }

  test('accountEnabled filter, $count segment and get by UPN', async () => {
    const disabled = await f.graph('GET', 'v1.0/users/$count?$filter=accountEnabled eq false', { headers: { ConsistencyLevel: 'eventual' } });
    assert.ok(Number(disabled.json['text']) > 0);
    const upn = f.tenant.users?.[1]?.userPrincipalName ?? '';
    const one = await f.graph('GET', `v1.0/users/${upn}?$select=id,accountEnabled`);
    assert.deepEqual(Object.keys(one.json).sort(), ['@odata.context', 'accountEnabled', 'id']);
  });

  test('delta: initial round, then changed, renamed and removed users; expired token → 410', async () => {
    let link: string | undefined = 'v1.0/users/delta?$select=id,displayName,accountEnabled';
    let seen = 0;
    let deltaLink = '';
    while (link !== undefined) {
      const page = await f.graph('GET', link);
      seen += page.json.value?.length ?? 0;
      assert.ok(!(page.json['@odata.nextLink'] && page.json['@odata.deltaLink']));
      link = page.json['@odata.nextLink'] as string | undefined;
      deltaLink = (page.json['@odata.deltaLink'] as string | undefined) ?? deltaLink;
    }
    assert.equal(seen, 10_000);
    const [u1, u2, u3] = [f.tenant.users?.[1]?.id ?? '', f.tenant.users?.[2]?.id ?? '', f.tenant.users?.[3]?.id ?? ''];
    f.sim.control.disableUser(tid, u1);
    f.sim.control.renameUser(tid, u2, { displayName: 'Renamed User' });
    f.sim.control.deleteUser(tid, u3);
    const changes = await f.graph('GET', deltaLink);
    const byId = new Map((changes.json.value ?? []).map((v) => [v['id'] as string, v]));
    assert.equal(byId.size, 3);
    assert.equal(byId.get(u1)?.['accountEnabled'], false);
    assert.equal(byId.get(u2)?.['displayName'], 'Renamed User');
    assert.deepEqual(byId.get(u3)?.['@removed'], { reason: 'changed' });
    const next = changes.json['@odata.deltaLink'] as string;
    assert.equal((await f.graph('GET', next)).json.value?.length, 0);
    f.sim.control.expireDeltaTokens(tid);
    const gone = await f.graph('GET', next);
    assert.deepEqual([gone.status, gone.json.error?.code], [410, 'syncStateNotFound']);
  });

  test('subscribedSkus: catalogue plans and consumed units', async () => {
    const r = await f.graph('GET', 'v1.0/subscribedSkus');
    const mcoev = r.json.value?.find((s) => s['skuPartNumber'] === 'MCOEV');
    assert.equal(mcoev?.['id'], `${tid}_${mcoev?.['skuId'] as string}`);
    assert.ok((mcoev?.['consumedUnits'] as number) > 0);
  });
});
