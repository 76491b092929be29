/**
 * PresenceSync end to end, Teams → PBX: the controller runs in this process against the real kube-apiserver and the
 * Microsoft 365 simulator; presence is changed in the simulator and read back from the controller's SSE stream and
 * webhook, as a PBX would. Run: node --import tsx test/run.ts test/e2e/presence-sync.test.ts
 */
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { test } from 'node:test';
import { findMappingRow, PRESENCE_MAPPING_TABLE } from '../../pkg/presence/mapping-table.ts';
import type { PbxPresenceState } from '../../pkg/presence/types.ts';
import type { WebhookPayload } from '../../pkg/presence/webhook-payload.ts';
import { SIGNATURE_HEADER, verifyWebhookSignature } from '../../pkg/presence/webhook-signature.ts';
import { coreResources, type KubeObject } from '../../pkg/runtime/resource.ts';
import { presenceSyncResource } from '../../controllers/presencesync/resources.ts';
import { startLocalServer } from '../integration/presence/local-server.ts';
import { eventually, HMAC_KEY, PBX_TOKEN, pbxEvents, startPresenceEnv, webhookTo } from './support/presence-env.ts';
import { StreamWatcher } from './support/stream-watcher.ts';

interface RowCase {
  readonly name: string;
  readonly availability: string;
  readonly activity: string;
  readonly outOfOffice?: boolean;
  readonly want: PbxPresenceState;
}

// One Teams presence per row of seed 001's table (docs/design/presence.md); the first test checks every row is used.
const rowCases: readonly RowCase[] = [
  { name: 'Available, out of office (OutOfOffice activity)', availability: 'Available', activity: 'OutOfOffice', want: 'available' },
  { name: 'Available, out of office (automatic replies on)', availability: 'Available', activity: 'Available', outOfOffice: true, want: 'available' },
  { name: 'On a call, out of office', availability: 'Busy', activity: 'InACall', outOfOffice: true, want: 'onCall' },
  { name: 'On a call', availability: 'Busy', activity: 'InACall', want: 'onCall' },
  { name: 'On a conference call', availability: 'Busy', activity: 'InAConferenceCall', want: 'onCall' },
  { name: 'In a meeting', availability: 'Busy', activity: 'InAMeeting', want: 'onCall' },
  { name: 'Presenting', availability: 'DoNotDisturb', activity: 'Presenting', want: 'doNotDisturb' },
  { name: 'Focusing', availability: 'DoNotDisturb', activity: 'Focusing', want: 'doNotDisturb' },
  { name: 'Do not disturb', availability: 'DoNotDisturb', activity: 'DoNotDisturb', want: 'doNotDisturb' },
  { name: 'Out of office (alone)', availability: 'Away', activity: 'OutOfOffice', want: 'offline' },
  { name: 'Available', availability: 'Available', activity: 'Available', want: 'available' },
  { name: 'Busy', availability: 'Busy', activity: 'Busy', want: 'busy' },
  { name: 'Be right back', availability: 'BeRightBack', activity: 'BeRightBack', want: 'away' },
  { name: 'Away', availability: 'Away', activity: 'Away', want: 'away' },
  { name: 'Offline', availability: 'Offline', activity: 'Offline', want: 'offline' },
  { name: 'Status unknown', availability: 'PresenceUnknown', activity: 'PresenceUnknown', want: 'offline' },
];

test('Teams → PBX: every mapping row reaches the SSE stream as its PBX state', async (t) => {
  const used = new Set(rowCases.map((c) => findMappingRow({ id: 'x', ...c, outOfOfficeSettings: { isOutOfOffice: c.outOfOffice === true } })));
  assert.deepEqual(
    PRESENCE_MAPPING_TABLE.filter((row) => !used.has(row)),
    [],
    'every row of the mapping table has a case',
  );
  const env = await startPresenceEnv(t);
  const { sim, seed } = env;
  const upn = (i: number) => env.upn(i + 1);
  // A different state first, so every row's state is a real change on the stream.
  const before = new Map(rowCases.map((c, i) => [upn(i), (c.want === 'away' ? 'busy' : 'away') as PbxPresenceState]));
  rowCases.forEach((c, i) => sim.control.setPresence(seed.tenantId, upn(i), c.want === 'away' ? 'Busy' : 'Away', c.want === 'away' ? 'Busy' : 'Away'));
  await env.createPresenceSync('rows', {
    direction: 'TeamsToPbx',
    pollInterval: '5s',
    pbxEvents: pbxEvents(),
    users: { fromMappings: false, pbxUsers: rowCases.map((_, i) => ({ email: upn(i) })) },
  });
  const watcher = new StreamWatcher(env.streamUrl('rows'), PBX_TOKEN);
  t.after(() => watcher.close());
  await eventually('the stream to open', async () => (await watcher.connect()) === 200 || (watcher.close(), false));
  await eventually('the first states', () => watcher.shows(before));
  const eventsBefore = watcher.presenceIds().length;
  rowCases.forEach((c, i) => {
    if (c.outOfOffice === true) sim.control.setOutOfOffice(seed.tenantId, upn(i), true);
    sim.control.setPresence(seed.tenantId, upn(i), c.availability, c.activity);
  });
  const want = new Map(rowCases.map((c, i) => [upn(i), c.want]));
  await eventually('the mapped states', () => watcher.shows(want), 20_000).catch(() => undefined);
  for (const [i, c] of rowCases.entries()) {
    await t.test(c.name, () => assert.equal(watcher.states.get(upn(i)), c.want, `${c.availability}/${c.activity}${c.outOfOffice ? ' + OOF' : ''}`));
  }
  assert.ok(watcher.presenceIds().length > eventsBefore, 'the changes arrived as live presence events');
  // The first states and one change per user, nothing more, counted in the metric; status carries no counters.
  const published = async () => (await env.metrics.updatesPublished.get()).values.find((v) => v.labels['sync'] === `${env.namespace}/rows`)?.value;
  await eventually('the updates counted', async () => (await published()) === rowCases.length * 2);
  const status = await env.status('rows');
  assert.equal(status.updatesPublished, undefined, 'no per-cycle counter in status');
  assert.equal(status.usersTracked, rowCases.length);
  assert.equal(status.effectivePollInterval, '5s');
  assert.equal(status.graphCallsPerCycle, 1);
});

test('Teams → PBX: unmatched PBX users are reported in status and in an Event', async (t) => {
  const env = await startPresenceEnv(t);
  await env.createMapping('mapped', { displayName: 'Mapped', email: env.upn(1).toUpperCase(), extension: '201', phoneNumber: '+14255550101' });
  await env.createMapping('ghost', { displayName: 'Ghost', email: 'ghost@nowhere.example', phoneNumber: '+14255550102' });
  await env.createPresenceSync('unmatched', {
    direction: 'TeamsToPbx',
    pollInterval: '5s',
    users: { fromMappings: true, pbxUsers: [{ email: env.upn(2) }, { email: 'zed@nowhere.example' }, { email: 'amy@nowhere.example' }] },
  });
  const status = await eventually('status with users', async () => {
    const s = await env.status('unmatched');
    return s.usersUnmatched === 3 && s.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? s : undefined;
  });
  assert.equal(status.usersTracked, 2, 'the mapping (UPN in other case) and the explicit user match');
  assert.deepEqual(status.unmatchedSample, ['amy@nowhere.example', 'ghost@nowhere.example', 'zed@nowhere.example']);
  const events = await eventually('the Event', async () => {
    const list = await env.kube.list<KubeObject & { reason?: string; note?: string; regarding?: { name?: string } }>(coreResources.events, {
      namespace: env.namespace,
    });
    const found = list.items.filter((e) => e.reason === 'UnmatchedUsersFound' && e.regarding?.name === 'unmatched');
    return found.length > 0 ? found : undefined;
  });
  assert.match(events[0]?.note ?? '', /^3 selected PBX users match no Teams user principal name \(e\.g\. amy@nowhere\.example/);
  // A Teams user created later is found by the next users/delta refresh.
  env.sim.control.addUser(env.seed.tenantId, { id: '0a3e5c1d-0000-4000-8000-00000000a3e5', userPrincipalName: 'Amy@nowhere.example', displayName: 'Amy' });
  await eventually('amy to match', async () => (await env.status('unmatched')).usersTracked === 3);
  assert.deepEqual((await env.status('unmatched')).unmatchedSample, ['ghost@nowhere.example', 'zed@nowhere.example']);
  await env.manager.stop();
  assert.deepEqual(env.registration.registry.keys(), [], 'a stopping controller (shutdown, lost leadership) stops every runner');
});

const ROTATION = [
  ['Available', 'Available'],
  ['Busy', 'Busy'],
  ['Away', 'Away'],
  ['DoNotDisturb', 'DoNotDisturb'],
] as const;

/** Moves every user one step through ROTATION and waits until a poll cycle has published the changes. */
async function changeAll(env: Awaited<ReturnType<typeof startPresenceEnv>>, stream: string, users: readonly string[], round: number): Promise<number> {
  const head = env.log.headId(stream);
  users.forEach((user, i) => {
    const [availability, activity] = ROTATION[(round + i) % ROTATION.length] ?? ROTATION[0];
    env.sim.control.setPresence(env.seed.tenantId, user, availability, activity);
  });
  return eventually(`poll cycle of round ${round}`, () => env.log.headId(stream) > head && env.log.headId(stream), 20_000);
}

test('Teams → PBX: an SSE client that disconnects and resumes misses nothing and gets nothing twice', async (t) => {
  const env = await startPresenceEnv(t);
  const users = [1, 2, 3, 4, 5, 6].map((i) => env.upn(i));
  const stream = `${env.namespace}/resume`;
  await env.createPresenceSync('resume', {
    direction: 'TeamsToPbx',
    pollInterval: '5s',
    pbxEvents: pbxEvents(),
    users: { fromMappings: false, pbxUsers: users.map((email) => ({ email })) },
  });
  await eventually('the first poll', () => env.log.headId(stream) > 0);
  const watcher = new StreamWatcher(env.streamUrl('resume'), PBX_TOKEN);
  t.after(() => watcher.close());
  assert.equal(await watcher.connect(), 200);
  const snapshotHead = Number(
    (await eventually('the snapshot', () => watcher.events.find((e) => e.event === 'snapshot' && e.lastEventId !== '')))?.lastEventId.split(':')[1],
  );
  const first = await changeAll(env, stream, users, 1);
  await eventually('the live event', () => watcher.presenceIds().includes(first));
  watcher.close();
  const resumeFrom = watcher.lastEventId();
  await changeAll(env, stream, users, 2);
  await changeAll(env, stream, users, 3);
  const connectedBefore = watcher.events.length;
  assert.equal(await watcher.connect(resumeFrom), 200);
  const last = await changeAll(env, stream, users, 4);
  await eventually('the events after the reconnect', () => watcher.presenceIds().includes(last));
  const logIds = env.log.readAfter(stream, snapshotHead, 10_000).map((e) => e.id);
  assert.deepEqual(watcher.presenceIds(), logIds, 'every event after the snapshot exactly once, in log order');
  assert.equal(watcher.events.slice(connectedBefore).filter((e) => e.event === 'snapshot' || e.event === 'reset').length, 0, 'a resume, not a restart');
  assert.deepEqual(
    users.map((user) => watcher.states.get(user)),
    ['available', 'busy', 'away', 'doNotDisturb', 'available', 'busy'],
    'round 4 in force',
  );
});

test('Teams → PBX: the webhook retries through a PBX outage and delivers every update in order, signed', async (t) => {
  const env = await startPresenceEnv(t);
  const users = [1, 2, 3, 4].map((i) => env.upn(i));
  const stream = `${env.namespace}/hook`;
  const received: WebhookPayload[] = [];
  let badSignatures = 0;
  const receive = (req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req
      .setEncoding('utf8')
      .on('data', (chunk: string) => (body += chunk))
      .on('end', () => {
        if (!verifyWebhookSignature(HMAC_KEY, req.headers[SIGNATURE_HEADER] as string | undefined, body, Math.floor(Date.now() / 1000))) badSignatures++;
        received.push(JSON.parse(body) as WebhookPayload);
        res.writeHead(204).end();
      });
  };
  let pbx = await startLocalServer(receive);
  t.after(() => pbx.close());
  await env.createPresenceSync('hook', {
    direction: 'TeamsToPbx',
    pollInterval: '5s',
    webhook: webhookTo(`${pbx.baseUrl}/presence`),
    users: { fromMappings: false, pbxUsers: users.map((email) => ({ email })) },
  });
  const snapshot = await eventually('the initial snapshot', () => received.find((p) => p.type === 'snapshot'));
  const eventIds = () => received.flatMap((p) => (p.type === 'events' ? p.events.map((e) => e.id) : []));
  const first = await changeAll(env, stream, users, 1);
  await eventually('the first delivery', () => eventIds().includes(first));
  await pbx.close();
  await changeAll(env, stream, users, 2);
  const last = await changeAll(env, stream, users, 3);
  await eventually('the outage in status', async () => (await env.status('hook')).webhook?.lastError?.startsWith('network error'));
  pbx = await startLocalServer(receive, pbx.port);
  await eventually('the missed deliveries', () => eventIds().includes(last), 40_000);
  const deduplicated = eventIds().filter((id, i, all) => all.indexOf(id) === i);
  assert.deepEqual(
    deduplicated,
    env.log.readAfter(stream, snapshot.type === 'snapshot' ? snapshot.headId : 0, 10_000).map((e) => e.id),
    'nothing lost',
  );
  assert.deepEqual(
    [...deduplicated].sort((a, b) => a - b),
    deduplicated,
    'never reordered',
  );
  assert.equal(badSignatures, 0, 'every delivery carries a valid HMAC signature');
});

test('bad input becomes conditions, never a crash; deleting the object stops its runner', async (t) => {
  const env = await startPresenceEnv(t);
  const condition = async (name: string, type: string) => (await env.status(name)).conditions?.find((c) => c.type === type);
  await env.createPresenceSync('orphan', { tenantRef: { name: 'missing' }, direction: 'TeamsToPbx', users: { fromMappings: true } });
  await env.createPresenceSync('nosecret', {
    direction: 'Bidirectional',
    pbxEvents: { tokenSecretRef: { name: 'absent', key: 'token' } },
    users: { fromMappings: false, pbxUsers: [{ email: env.upn(1) }] },
  });
  // Tokens and webhook keys come only from Secrets made for them: the tenant's Graph app Secret is not read, so its
  // value is neither a PBX token (no guessing oracle) nor a webhook signing key.
  await env.createPresenceSync('anykey', {
    direction: 'Bidirectional',
    pollInterval: '5m',
    webhook: { url: 'https://pbx.example/hook', hmacSecretRef: { name: 'graph-app', key: 'clientSecret' } },
    pbxEvents: { tokenSecretRef: { name: 'graph-app', key: 'clientSecret' } },
    users: { fromMappings: false, pbxUsers: [{ email: env.upn(1) }] },
  });
  const orphan = await eventually('TenantNotFound', async () =>
    (await condition('orphan', 'Failed'))?.reason === 'TenantNotFound' ? condition('orphan', 'Ready') : undefined,
  );
  assert.deepEqual([orphan?.status, orphan?.reason], ['False', 'TenantNotFound']);
  const failed = await eventually('SecretNotFound', async () =>
    (await condition('nosecret', 'Failed'))?.reason === 'SecretNotFound' ? condition('nosecret', 'Failed') : undefined,
  );
  assert.equal(failed?.message, 'Secret key not found: absent/token', 'names the Secret and key, never a value');
  assert.equal((await env.status('nosecret')).usersTracked, 1, 'polling goes on meanwhile');
  const purpose = await eventually('SecretPurposeMismatch', async () =>
    (await condition('anykey', 'Failed'))?.reason === 'SecretPurposeMismatch' ? condition('anykey', 'Failed') : undefined,
  );
  assert.match(
    purpose?.message ?? '',
    /^Secret not labelled for its use, so not read: graph-app \(teamssync\.io\/secret-purpose=pbx-token\), graph-app \(teamssync\.io\/secret-purpose=webhook-signing\);/,
  );
  const clientSecret = env.seed.apps?.[0]?.secrets?.[0] ?? '';
  const asToken = await fetch(env.pbxUrl('anykey'), {
    method: 'POST',
    headers: { authorization: `Bearer ${clientSecret}`, 'content-type': 'application/json' },
    body: '{}',
  });
  assert.equal(asToken.status, 403, 'the Graph client secret is not accepted as a PBX token');
  assert.equal((await env.status('anykey')).webhook, undefined, 'no webhook runs with a key from an unlabelled Secret');
  await env.kube.create(coreResources.secrets, env.namespace, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'absent', labels: { 'teamssync.io/secret-purpose': 'pbx-token' } },
    stringData: { token: PBX_TOKEN },
  } as KubeObject);
  await eventually('Ready once the Secret exists', async () => (await condition('nosecret', 'Ready'))?.status === 'True');
  const key = `${env.namespace}/nosecret`;
  assert.ok(env.registration.registry.get(key) !== undefined);
  await env.kube.delete(presenceSyncResource, env.namespace, 'nosecret');
  await eventually('the runner to stop', () => env.registration.registry.get(key) === undefined);
  const res = await fetch(env.pbxUrl('nosecret'), {
    method: 'POST',
    headers: { authorization: `Bearer ${PBX_TOKEN}`, 'content-type': 'application/json' },
    body: '{}',
  });
  assert.equal(res.status, 403, 'a deleted object has no endpoint');
});
