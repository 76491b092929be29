/** Presence, $batch, throttling with Retry-After violations, faults, sendMail and contacts on the simulator. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BatchRequestContent, BatchResponseContent, Client } from '@microsoft/microsoft-graph-client';
import { graphFixture } from './fixture.ts';
import { setTimeout as sleep } from 'node:timers/promises';

const f = await graphFixture({ users: 30, tenantId: '44444444-5555-4666-8777-888888888888', disabledShare: 0, contactsPerUser: 25 });
const tid = f.tenant.tenantId;
const ids = (f.tenant.users ?? []).map((u) => u.id);
const [u1 = '', u2 = '', u3 = ''] = ids.slice(1);

describe('m365sim presence', () => {
  test('getPresencesByUserId: request order, duplicates dropped, Teams client state visible', async () => {
    f.sim.control.setPresence(tid, u2, 'Busy', 'InACall');
    const r = await f.graph('POST', 'v1.0/communications/getPresencesByUserId', { body: { ids: [u2, u1, u2] } });
    assert.deepEqual(
      r.json.value?.map((p) => [p['id'], p['availability'], p['activity']]),
      [
        [u2, 'Busy', 'InACall'],
        [u1, 'Offline', 'Offline'],
      ],
    );
  });

  test('more than 650 ids → 400', async () => {
    const many = Array.from({ length: 651 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
    assert.equal((await f.graph('POST', 'v1.0/communications/getPresencesByUserId', { body: { ids: many } })).status, 400);
  });

  test('setPresence session (sessionId = app id), invalid duration → 400, clearPresence → Offline', async () => {
    const set = await f.graph('POST', `v1.0/users/${u3}/presence/setPresence`, {
      body: { sessionId: f.appId, availability: 'Busy', activity: 'InACall', expirationDuration: 'PT1H' },
    });
    assert.equal(set.status, 200);
    assert.equal((await f.graph('GET', `v1.0/users/${u3}/presence`)).json['activity'], 'InACall');
    const tooLong = await f.graph('POST', `v1.0/users/${u3}/presence/setPresence`, {
      body: { sessionId: f.appId, availability: 'Busy', activity: 'InACall', expirationDuration: 'PT5H' },
    });
    assert.equal(tooLong.status, 400);
    const otherSession = await f.graph('POST', `v1.0/users/${u3}/presence/setPresence`, { body: { sessionId: u1, availability: 'Away', activity: 'Away' } });
    assert.equal(otherSession.status, 400);
    assert.equal((await f.graph('POST', `v1.0/users/${u3}/presence/clearPresence`, { body: { sessionId: f.appId } })).status, 200);
    assert.equal((await f.graph('GET', `v1.0/users/${u3}/presence`)).json['availability'], 'Offline');
    assert.equal((await f.graph('POST', `v1.0/users/${u3}/presence/clearPresence`, { body: { sessionId: f.appId } })).status, 404);
  });
});

describe('m365sim $batch', () => {
  test('more than 20 requests → 400; duplicate ids → 400', async () => {
    const requests = Array.from({ length: 21 }, (_, i) => ({ id: String(i), method: 'GET', url: `/users/${u1}` }));
    assert.equal((await f.graph('POST', 'v1.0/$batch', { body: { requests } })).status, 400);
    const dup = [
      { id: '1', method: 'GET', url: '/users' },
      { id: '1', method: 'GET', url: '/users' },
    ];
    assert.equal((await f.graph('POST', 'v1.0/$batch', { body: { requests: dup } })).status, 400);
  });

  test('the Graph SDK BatchRequestContent round-trips (absolute inner URLs tolerated)', async () => {
    const client = Client.initWithMiddleware({
      baseUrl: f.sim.graphUrl,
      customHosts: new Set(['127.0.0.1']),
      authProvider: { getAccessToken: async () => f.token },
    });
    const steps = [u1, u2].map((id, i) => ({ id: String(i + 1), request: new Request(`${f.sim.graphUrl}v1.0/users/${id}?$select=id`, { method: 'GET' }) }));
    const answer = new BatchResponseContent((await client.api('/$batch').post(await new BatchRequestContent(steps).getContent())) as never);
    assert.deepEqual(
      ['1', '2'].map((id) => answer.getResponseById(id)?.status),
      [200, 200],
    );
  });

  test('one inner 429 with its own Retry-After; dependsOn → 424', async () => {
    f.sim.control.addFault({ path: `/users/${u2}`, status: 429, retryAfterSeconds: 2, count: 1, inBatch: true });
    const r = await f.graph('POST', 'v1.0/$batch', {
      body: {
        requests: [
          { id: 'a', method: 'GET', url: `/users/${u1}?$select=id` },
          { id: 'b', method: 'GET', url: `/users/${u2}?$select=id` },
          { id: 'c', method: 'GET', url: `/users/${u3}?$select=id` },
          { id: 'd', method: 'GET', url: `/users/${u1}`, dependsOn: ['b'] },
        ],
      },
    });
    assert.equal(r.status, 200);
    const byId = new Map((r.json['responses'] as { id: string; status: number; headers: Record<string, string> }[]).map((x) => [x.id, x]));
    assert.deepEqual(
      ['a', 'b', 'c', 'd'].map((id) => byId.get(id)?.status),
      [200, 429, 200, 424],
    );
    assert.equal(byId.get('b')?.headers['Retry-After'], '2');
    assert.deepEqual(f.sim.control.violations(), []);
    f.sim.control.clearFaults();
  });
});

describe('m365sim throttling', () => {
  test('429 + Retry-After when the bucket is empty; an early retry is a violation, a patient one is not', async () => {
    f.sim.control.resetCounters();
    f.sim.control.setLimits({ presence: { capacity: 3, windowMs: 3000 } });
    try {
      const body = { ids: [u1] };
      const statuses: number[] = [];
      let retryAfter = 0;
      for (let i = 0; i < 4; i++) {
        const r = await f.graph('POST', 'v1.0/communications/getPresencesByUserId', { body });
        statuses.push(r.status);
        if (r.status === 429) {
          retryAfter = Number(r.headers.get('retry-after'));
          assert.equal(r.json.error?.code, 'TooManyRequests');
        }
      }
      assert.deepEqual(statuses, [200, 200, 200, 429]);
      assert.equal(retryAfter, 1);
      await f.graph('POST', 'v1.0/communications/getPresencesByUserId', { body });
      assert.equal(f.sim.control.violations().length, 1);
      await sleep(retryAfter * 1000 + 50);
      assert.equal((await f.graph('POST', 'v1.0/communications/getPresencesByUserId', { body })).status, 200);
      assert.equal(f.sim.control.violations().length, 1);
    } finally {
      f.sim.control.setLimits({ presence: { capacity: 1500, windowMs: 30_000 } });
    }
  });

  test('outage window → 503 for matching routes only', async () => {
    const id = f.sim.control.addFault({ path: '/users/**', status: 503, fromMs: Date.now(), untilMs: Date.now() + 60_000 });
    assert.equal((await f.graph('GET', `v1.0/users/${u1}`)).status, 503);
    assert.equal((await f.graph('GET', 'v1.0/subscribedSkus')).status, 200);
    f.sim.control.removeFault(id);
  });
});

describe('m365sim Outlook', () => {
  test('sendMail → 202 and captured; a bad recipient → 400 ErrorInvalidRecipients', async () => {
    f.sim.control.clearOutbox();
    const from = f.tenant.users?.[0]?.userPrincipalName ?? '';
    const message = {
      subject: 'Finish your Teams phone setup',
      body: { contentType: 'HTML', content: '<p>Hi</p>' },
      toRecipients: [{ emailAddress: { address: 'alice@example.com' } }],
    };
    assert.equal((await f.graph('POST', `v1.0/users/${from}/sendMail`, { body: { message, saveToSentItems: false } })).status, 202);
    assert.equal(f.sim.control.outbox(tid)[0]?.message['subject'], 'Finish your Teams phone setup');
    const bad = await f.graph('POST', `v1.0/users/${from}/sendMail`, {
      body: { message: { ...message, toRecipients: [{ emailAddress: { address: 'nope' } }] } },
    });
    assert.deepEqual([bad.status, bad.json.error?.code], [400, 'ErrorInvalidRecipients']);
  });

  test('contacts: $skip paging (default 10) and delta with removals', async () => {
    const owner = f.tenant.users?.[1]?.id ?? '';
    let next: string | undefined = `v1.0/users/${owner}/contacts`;
    let total = 0;
    while (next !== undefined) {
      const page = await f.graph('GET', next);
      total += page.json.value?.length ?? 0;
      next = page.json['@odata.nextLink'] as string | undefined;
    }
    assert.equal(total, 25);
    let link: string | undefined = `v1.0/users/${owner}/contacts/delta`;
    let deltaLink = '';
    let firstId = '';
    while (link !== undefined) {
      const page = await f.graph('GET', link, { headers: { Prefer: 'odata.maxpagesize=10' } });
      firstId ||= (page.json.value?.[0]?.['id'] as string | undefined) ?? '';
      link = page.json['@odata.nextLink'] as string | undefined;
      deltaLink = (page.json['@odata.deltaLink'] as string | undefined) ?? deltaLink;
    }
    f.sim.control.removeContact(tid, owner, firstId);
    const changes = await f.graph('GET', deltaLink);
    assert.deepEqual(
      changes.json.value?.map((c) => c['@removed']),
      [{ reason: 'deleted' }],
    );
  });
});
