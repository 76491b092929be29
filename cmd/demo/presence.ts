/**
 * The presence part of the demo, both directions, through the daemon's own endpoints:
 *  - Teams → PBX: a user's Teams presence changes (the simulator's control API plays the Teams client);
 *    the controller polls Graph and the change arrives on its SSE stream, where a PBX listens.
 *  - PBX → Teams: the PBX posts a call event to the controller; Teams (read back through Graph) shows the
 *    user in a call, and clear again when the call ends.
 */
import { Registry } from 'prom-client';
import { stringify } from 'yaml';
import { createTenantClient, Redacted } from '../../pkg/graph/index.ts';
import type { UserSeed } from '../../pkg/m365sim/index.ts';
import type { RunningDaemon } from '../../pkg/envtest/daemon.ts';
import { openSseStream, type SseConnection } from '../../pkg/presence/sse-client.ts';
import type { PresenceEventData, SnapshotEventData } from '../../pkg/presence/sse-format.ts';
import type { ParsedSseEvent } from '../../pkg/presence/sse-parser.ts';
import { until } from './kubectl.ts';
import type { DemoTenant } from './simulator.ts';
import type { Kubectl } from './user-sync.ts';

/** What stays open until the demo stops. */
export interface PresenceDemo {
  /** The `curl` line that follows the stream (for --keep). */
  readonly curl: string;
  stop(): void;
}

const PBX_TOKEN = 'demo-pbx-token-not-a-secret';
const SYNC = 'front-desk';

/** Creates the PresenceSync, follows its stream and shows one change each way. */
export async function runPresenceDemo(
  { sim, seed }: DemoTenant,
  daemon: RunningDaemon,
  namespace: string,
  kubectl: Kubectl,
  step: (text: string) => void,
): Promise<PresenceDemo> {
  const teamsUser = pick(seed.users, (u) => u.presence?.availability === 'Available' && u.directoryRoles === undefined);
  const pbxCaller = pick(seed.users, (u) => u.presence === undefined && u.accountEnabled !== false && (u.licenses ?? []).includes('MCOEV'));
  step(`Presence: a PresenceSync "${SYNC}" (both directions) for ${teamsUser.displayName} (ext 301) and ${pbxCaller.displayName} (ext 302)`);
  await kubectl(
    ['apply', '-n', namespace, '-f', '-'],
    [
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'pbx-token', labels: { 'teamssync.io/secret-purpose': 'pbx-token' } },
        stringData: { token: PBX_TOKEN },
      },
      {
        apiVersion: 'teamssync.io/v1alpha1',
        kind: 'PresenceSync',
        metadata: { name: SYNC },
        spec: {
          tenantRef: { name: 'demo' },
          direction: 'Bidirectional',
          pollInterval: '5s',
          pbxEvents: { tokenSecretRef: { name: 'pbx-token', key: 'token' } },
          users: {
            fromMappings: false,
            pbxUsers: [
              { email: teamsUser.userPrincipalName, extension: '301' },
              { email: pbxCaller.userPrincipalName, extension: '302' },
            ],
          },
        },
      },
    ]
      .map((o) => stringify(o))
      .join('---\n'),
  );

  const streamUrl = `${daemon.presenceUrl}/presence/${namespace}/${SYNC}/events`;
  const curl = `curl -N -H 'Authorization: Bearer ${PBX_TOKEN}' ${streamUrl}`;
  console.log(`\nA PBX follows the controller's presence stream (Server-Sent Events):\n  $ ${curl}`);
  const states = new Map<string, string>();
  let connection: SseConnection | undefined;
  await until('the presence stream', async () => {
    connection = await openSseStream(streamUrl, { token: PBX_TOKEN, onEvent: (e) => show(e, states) });
    if (connection.status === 200) return true;
    connection.close();
    return false;
  });
  await until('the first presence snapshot', async () => states.has(teamsUser.userPrincipalName));

  step(`Teams → PBX: ${teamsUser.displayName} sets "Do not disturb" in Teams (the simulator plays the Teams client)`);
  sim.control.setPresence(seed.tenantId, teamsUser.userPrincipalName, 'DoNotDisturb', 'DoNotDisturb');
  await until('the change on the stream', async () => states.get(teamsUser.userPrincipalName) === 'doNotDisturb');

  const app = seed.apps?.[0];
  const graph = createTenantClient({
    tenantId: seed.tenantId,
    cloud: 'Global',
    registry: new Registry(),
    credentials: { kind: 'clientSecret', clientId: app?.appId ?? '', clientSecret: Redacted.of(app?.secrets?.[0] ?? '') },
    endpoints: { authorityHost: sim.loginUrl, graphBaseUrl: sim.graphUrl, caBundlePath: sim.caFile },
  });
  const teamsPresence = async (): Promise<string> => {
    const [p] = await graph.presence.getPresencesByUserId([pbxCaller.id]);
    return `${p?.availability ?? '?'} / ${p?.activity ?? '?'}`;
  };
  try {
    const pbxUrl = `${daemon.presenceUrl}/pbx/${namespace}/${SYNC}/events`;
    step(`PBX → Teams: extension 302 (${pbxCaller.displayName}) picks up a call; the PBX tells the controller`);
    console.log(`Teams shows ${pbxCaller.displayName}: ${await teamsPresence()}`);
    await pbxEvent(pbxUrl, { user: '302', state: 'onCall', callId: 'demo-call-1' });
    await until('Teams to show the call', async () => (await teamsPresence()) === 'Busy / InACall');
    console.log(`Teams (Graph GET /users/{id}/presence) now shows ${pbxCaller.displayName}: ${await teamsPresence()}`);
    await until('the stream to show the call', async () => states.get(pbxCaller.userPrincipalName) === 'onCall');
    await pbxEvent(pbxUrl, { user: '302', state: 'callEnded', callId: 'demo-call-1' });
    await until('Teams to clear the call', async () => (await teamsPresence()) !== 'Busy / InACall');
    console.log(`The call ended; Teams shows ${pbxCaller.displayName}: ${await teamsPresence()}`);
  } finally {
    graph.close();
  }
  return { curl, stop: () => connection?.close() };
}

/** Posts one PBX call event, echoing it as the equivalent curl command and the controller's answer. */
async function pbxEvent(url: string, body: Record<string, string>): Promise<void> {
  console.log(`$ curl -X POST -H 'Authorization: Bearer ${PBX_TOKEN}' -d '${JSON.stringify(body)}' ${url}`);
  const res = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${PBX_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  console.log(`  ${res.status} ${await res.text()}`);
  if (res.status !== 202) throw new Error(`the controller answered ${res.status} to the PBX event`);
}

/** Prints a stream event the way a PBX would read it and keeps the current state per user. */
function show(event: ParsedSseEvent, states: Map<string, string>): void {
  const changes =
    event.event === 'snapshot'
      ? (JSON.parse(event.data) as SnapshotEventData).states
      : event.event === 'presence'
        ? (JSON.parse(event.data) as PresenceEventData).changes
        : [];
  for (const c of changes) states.set(c.user, c.state);
  if (changes.length > 0) console.log(`  SSE ${event.event.padEnd(8)} ${changes.map((c) => `${c.user} → ${c.state}`).join(', ')}`);
}

function pick(users: readonly UserSeed[] | undefined, match: (u: UserSeed) => boolean): UserSeed {
  const found = (users ?? []).find(match);
  if (found === undefined) throw new Error('the demo tenant has no user for the presence demo');
  return found;
}
