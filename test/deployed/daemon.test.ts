/**
 * The daemon as it ships: started exactly as the Dockerfile and the Deployment start it (pkg/envtest/daemon.ts),
 * as the install's ServiceAccount with a TokenRequest token, against the real kube-apiserver and the Microsoft 365
 * simulator. The main scenarios run side by side, then the RBAC proof compares the apiserver's audit log of the
 * ServiceAccount with what the install grants.
 * Run: node --import tsx test/run.ts deployed   (DEPLOYED_LOG=1 shows the daemon's log)
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Registry } from 'prom-client';
import { createTenantClient, Redacted } from '../../pkg/graph/index.ts';
import type { TenantSeed } from '../../pkg/m365sim/index.ts';
import { requestToken } from '../../pkg/envtest/service-account.ts';
import { apiserverEndpoint, kubeconfigPath, kubectl } from '../harness/kube.ts';
import { eventually } from '../e2e/support/teams-sync-env.ts';
import { runLogin } from '../e2e/support/teamssync-login.ts';
import { PBX_TOKEN } from '../e2e/support/presence-env.ts';
import { StreamWatcher } from '../e2e/support/stream-watcher.ts';
import { startDeployedEnv, type DeployedEnv } from './support/deployed-env.ts';
import { compare, usageTable } from './support/rbac-usage.ts';
import { daemonPermissions } from '../../controllers/rbac.ts';
import type { Verb } from '../../pkg/rbac/permission.ts';
import Database from 'better-sqlite3';

const API = 'teamssync.io/v1alpha1';
let env: DeployedEnv;

interface Run {
  spec: { tenantRef: { name: string }; trigger?: string };
  metadata: { name: string };
  status?: { phase?: string; counts?: Record<string, number> };
}

const upnOf = (seed: TenantSeed, local: string): string => `${local}@${seed.domains?.[0] ?? ''}`;
const appOf = (seed: TenantSeed) => ({ clientId: seed.apps?.[0]?.appId ?? '', secret: seed.apps?.[0]?.secrets?.[0] ?? '' });

function tenantObjects(name: string, seed: TenantSeed, spec: Record<string, unknown>): object[] {
  const app = appOf(seed);
  return [
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: `${name}-graph` }, stringData: { clientSecret: app.secret } },
    {
      apiVersion: API,
      kind: 'TeamsTenant',
      metadata: { name },
      spec: { tenantId: seed.tenantId, credentials: { clientId: app.clientId, clientSecret: { name: `${name}-graph`, key: 'clientSecret' } }, ...spec },
    },
  ];
}

function mapping(name: string, tenant: string, upn: string, phoneNumber: string, voicemail = 'Voicemail'): object {
  return {
    apiVersion: API,
    kind: 'UserLicenseMapping',
    metadata: { name },
    spec: { tenantRef: { name: tenant }, pbxUser: { displayName: name, phoneNumber, voicemail }, teamsUser: { userPrincipalName: upn } },
  };
}

const userPolicies = { voiceRoutingPolicy: 'PBX-VRP', callingPolicies: { voicemail: 'PBX-VM', noVoicemail: 'PBX-NoVM' } };

async function runs(tenant: string): Promise<Run[]> {
  const res = await kubectl(['get', 'teamssyncs', '-o', 'json'], { namespace: env.namespace });
  return (JSON.parse(res.stdout) as { items: Run[] }).items.filter((r) => r.spec.tenantRef.name === tenant);
}

const holder = (seed: TenantSeed, number: string) =>
  env.sim.control.numbers(seed.tenantId).find((n) => n.telephoneNumber === number)?.assignmentTargetId ?? undefined;
const userIdOf = (seed: TenantSeed, upn: string) => env.sim.control.user(seed.tenantId, upn)?.id;

/** Reports how long each step took (diagnostics only, never asserted). */
function stopwatch(t: { diagnostic(message: string): void }): (what: string) => void {
  let last = Date.now();
  return (what) => {
    const now = Date.now();
    t.diagnostic(`${what} after ${now - last} ms`);
    last = now;
  };
}

async function secretExists(name: string): Promise<boolean> {
  return (await kubectl(['get', 'secret', name], { namespace: env.namespace })).code === 0;
}

describe('the daemon as deployed', () => {
  before(async () => {
    env = await startDeployedEnv();
  });
  after(() => env?.close());

  test("runs the Deployment's command as the install's ServiceAccount, and leads", async () => {
    const container = (env.daemon.install.deployment['spec'] as { template: { spec: { containers: { command?: string[] }[] } } }).template.spec.containers[0];
    assert.deepEqual(env.daemon.argv.slice(0, container?.command?.length ?? 0), container?.command ?? [], "the Deployment's command");
    assert.ok(env.daemon.argv.includes('--leader-elect=true'));
    await env.daemon.waitForLog('the leader lease', (e) => e.msg === 'Successfully acquired lease');
    assert.match(env.daemon.metricsUrl, /^https:/, 'metrics are served over HTTPS');
    const metrics = (await env.daemon.scrapeMetrics()).text;
    assert.match(metrics, /^# HELP /m, 'Prometheus metrics are served to a ServiceAccount bound to the metrics-reader ClusterRole');
    assert.equal((await env.daemon.scrapeMetrics(null)).status, 401, 'no token: 401');
    assert.equal((await env.daemon.scrapeMetrics('not-a-token')).status, 401, 'a token the apiserver does not know: 401');
    const unprivileged = await requestToken(apiserverEndpoint(), env.daemon.serviceAccount, 600);
    assert.equal((await env.daemon.scrapeMetrics(unprivileged)).status, 403, 'a valid token without the metrics-reader role: 403');
  });

  describe('scenarios', { concurrency: true }, () => {
    test('auto sync: kubectl apply reaches Ready, Microsoft 365 holds the numbers, the batch is recorded, delete unassigns', async (t) => {
      const lap = stopwatch(t);
      const seed = env.tenants.auto;
      await env.apply([
        ...tenantObjects('fabrikam', seed, {
          syncMode: 'Auto',
          integrationLicenses: 5,
          globalAdmin: { userPrincipalName: upnOf(seed, 'admin') },
          policies: userPolicies,
        }),
        mapping('auto-alex', 'fabrikam', upnOf(seed, 'user1'), '+14255550101'),
        mapping('auto-sam', 'fabrikam', upnOf(seed, 'user2'), '+14255550102', 'NoVoicemail'),
      ]);
      const wait = await kubectl(
        ['wait', '--for=condition=Ready', '--timeout=120s', 'userlicensemapping/auto-alex', 'userlicensemapping/auto-sam', 'teamstenant/fabrikam'],
        { namespace: env.namespace, timeoutMs: 130_000 },
      );
      assert.equal(wait.code, 0, wait.stderr);
      lap('mappings and tenant Ready');
      assert.equal(holder(seed, '+14255550101'), userIdOf(seed, upnOf(seed, 'user1')));
      assert.equal(holder(seed, '+14255550102'), userIdOf(seed, upnOf(seed, 'user2')));
      assert.equal(env.sim.control.teamsSettings(seed.tenantId, upnOf(seed, 'user2')).policies['TeamsCallingPolicy']?.displayName, 'PBX-NoVM');
      const auto = await eventually(
        'the Auto batch to be recorded as a TeamsSync',
        async () => {
          const done = (await runs('fabrikam')).filter((r) => r.spec.trigger === 'Auto' && r.status?.phase === 'Succeeded');
          return done.reduce((n, r) => n + (r.status?.counts?.['created'] ?? 0), 0) === 2 ? done : undefined;
        },
        90_000,
      );
      assert.ok(auto.length >= 1);
      lap('Auto batch recorded');
      const del = await kubectl(['delete', 'userlicensemapping/auto-sam', '--timeout=90s'], { namespace: env.namespace, timeoutMs: 100_000 });
      assert.equal(del.code, 0, del.stderr);
      assert.equal(holder(seed, '+14255550102'), undefined, 'the number is unassigned before the object goes');
      lap('mapping deleted');
    });

    test('manual sync: the Global Admin signs in with teamssync-login, the run applies the changes, its token Secret is deleted', async () => {
      const seed = env.tenants.manual;
      await env.apply([
        ...tenantObjects('contoso', seed, {
          syncMode: 'Manual',
          integrationLicenses: 10,
          syncHistoryLimit: 1,
          globalAdmin: { userPrincipalName: upnOf(seed, 'admin') },
          policies: userPolicies,
        }),
        mapping('manual-alex', 'contoso', upnOf(seed, 'user1'), '+14255550201'),
        mapping('manual-sam', 'contoso', upnOf(seed, 'user2'), '+14255550202', 'NoVoicemail'),
      ]);
      const login = (name: string) =>
        runLogin({
          sim: env.sim,
          kubeconfig: kubeconfigPath(),
          namespace: env.namespace,
          tenant: 'contoso',
          user: upnOf(seed, 'admin'),
          extra: ['--name', name],
        });
      const first = await login('sync-1');
      assert.equal(first.code, 0, first.stderr);
      const run = await eventually(
        'sync-1 to finish',
        async () => (await runs('contoso')).find((r) => r.metadata.name === 'sync-1' && ['Succeeded', 'Failed', 'Refused'].includes(r.status?.phase ?? '')),
        90_000,
      );
      assert.equal(run.status?.phase, 'Succeeded', JSON.stringify(run.status));
      assert.equal(run.status?.counts?.['created'], 2);
      await eventually('the token Secret to be deleted by the daemon', async () => !(await secretExists('sync-1-token')));
      assert.equal(holder(seed, '+14255550201'), userIdOf(seed, upnOf(seed, 'user1')));

      const second = await login('sync-2');
      assert.equal(second.code, 0, second.stderr);
      await eventually(
        'sync-2 to succeed and sync-1 to be trimmed (syncHistoryLimit 1)',
        async () => {
          const all = await runs('contoso');
          return all.length === 1 && all[0]?.metadata.name === 'sync-2' && all[0].status?.phase === 'Succeeded';
        },
        90_000,
      );
      await eventually('the second token Secret to be deleted', async () => !(await secretExists('sync-2-token')));
    });

    test('presence: a Teams presence change reaches the SSE stream, and a PBX call shows in Teams', async (t) => {
      const seed = env.tenants.presence;
      const [alice, bob] = [upnOf(seed, 'user1'), upnOf(seed, 'user2')];
      env.sim.control.setPresence(seed.tenantId, alice, 'Available', 'Available');
      await env.apply([
        ...tenantObjects('presence', seed, { integrationLicenses: 100 }),
        {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: 'pbx-token', labels: { 'teamssync.io/secret-purpose': 'pbx-token' } },
          stringData: { token: PBX_TOKEN },
        },
        {
          apiVersion: API,
          kind: 'PresenceSync',
          metadata: { name: 'desk' },
          spec: {
            tenantRef: { name: 'presence' },
            direction: 'Bidirectional',
            pollInterval: '5s',
            pbxEvents: { tokenSecretRef: { name: 'pbx-token', key: 'token' } },
            users: {
              fromMappings: false,
              pbxUsers: [
                { email: alice, extension: '101' },
                { email: bob, extension: '102' },
              ],
            },
          },
        },
      ]);
      const watcher = new StreamWatcher(`${env.daemon.presenceUrl}/presence/${env.namespace}/desk/events`, PBX_TOKEN);
      t.after(() => watcher.close());
      await eventually('the stream to open', async () => (await watcher.connect()) === 200 || (watcher.close(), false), 60_000);
      await eventually('the first state on the stream', () => watcher.shows(new Map([[alice, 'available']])), 60_000);
      env.sim.control.setPresence(seed.tenantId, alice, 'DoNotDisturb', 'Presenting');
      await eventually('the Teams change on the stream', () => watcher.shows(new Map([[alice, 'doNotDisturb']])), 60_000);

      const app = appOf(seed);
      const graph = createTenantClient({
        tenantId: seed.tenantId,
        cloud: 'Global',
        registry: new Registry(),
        credentials: { kind: 'clientSecret', clientId: app.clientId, clientSecret: Redacted.of(app.secret) },
        endpoints: { authorityHost: env.sim.loginUrl, graphBaseUrl: env.sim.graphUrl, caBundlePath: env.sim.caFile },
      });
      t.after(() => graph.close());
      const teamsPresence = async (): Promise<string> => {
        const [p] = await graph.presence.getPresencesByUserId([userIdOf(seed, bob) ?? '']);
        return `${p?.availability}/${p?.activity}`;
      };
      const post = async (body: unknown): Promise<string[]> => {
        const res = await fetch(`${env.daemon.presenceUrl}/pbx/${env.namespace}/desk/events`, {
          method: 'POST',
          headers: { authorization: `Bearer ${PBX_TOKEN}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        return res.status === 202 ? (((await res.json()) as { results?: { outcome: string }[] }).results?.map((r) => r.outcome) ?? []) : [`HTTP ${res.status}`];
      };
      assert.deepEqual(await post({ user: '102', state: 'onCall', callId: 'c1' }), ['started'], 'the PBX call starts, by extension');
      await eventually('Teams shows the call', async () => (await teamsPresence()) === 'Busy/InACall', 60_000);
      await eventually('the stream shows the call too (Teams → PBX)', () => watcher.shows(new Map([[bob, 'onCall']])), 60_000);
      assert.deepEqual(await post({ user: bob, state: 'callEnded', callId: 'c1' }), ['ended']);
      await eventually('Teams clears the call', async () => (await teamsPresence()) === 'Offline/Offline', 60_000);
    });

    test('contacts: a ContactSync publishes the directory to the PBX endpoint, and deleting it removes its finalizer', async () => {
      await env.apply([
        {
          apiVersion: API,
          kind: 'ContactSync',
          metadata: { name: 'directory' },
          spec: { tenantRef: { name: 'presence' }, pbxDirectory: { tokenSecretRef: { name: 'pbx-token', key: 'token' } } },
        },
      ]);
      const contactSync = async (): Promise<{ status?: { contactsPublished?: number; currentSyncToken?: string } } | undefined> => {
        const res = await kubectl(['get', 'contactsync', 'directory', '-o', 'json'], { namespace: env.namespace });
        return res.code === 0 ? (JSON.parse(res.stdout) as { status?: { contactsPublished?: number; currentSyncToken?: string } }) : undefined;
      };
      const status = await eventually(
        'the directory to be published',
        async () => (await contactSync())?.status?.currentSyncToken !== undefined && (await contactSync())?.status,
        60_000,
      );
      const res = await fetch(`${env.daemon.presenceUrl}/contacts/${env.namespace}/directory?limit=1000`, {
        headers: { authorization: `Bearer ${PBX_TOKEN}` },
      });
      assert.equal(res.status, 200);
      assert.equal(((await res.json()) as { entries: unknown[] }).entries.length, status.contactsPublished);
      assert.equal((await kubectl(['delete', 'contactsync', 'directory', '--wait=false'], { namespace: env.namespace })).code, 0);
      await eventually('the ContactSync to be gone (its finalizer removed)', async () => (await contactSync()) === undefined, 60_000);
    });
  });

  test("no secret in the daemon's log, metrics or state database, and no unhandled error", async () => {
    const metrics = (await env.daemon.scrapeMetrics()).text;
    const secrets = [PBX_TOKEN, ...Object.values(env.tenants).map((seed) => appOf(seed).secret)];
    const log = env.daemon.lines().join('\n');
    for (const secret of secrets) {
      assert.ok(!log.includes(secret), 'a client secret or PBX token in the log');
      assert.ok(!metrics.includes(secret), 'a client secret or PBX token in the metrics');
    }
    assert.doesNotMatch(log, /eyJ[A-Za-z0-9_-]{10,}\./, 'no JWT (delegated or ServiceAccount token) in the log');
    // Its local state (delta links, the operation journal): every row of every table.
    const stateDb = env.daemon.stateDbPath;
    assert.ok(stateDb !== undefined, 'the Deployment gives the daemon a state database');
    const db = new Database(stateDb, { readonly: true, fileMustExist: true });
    try {
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[];
      const rows = JSON.stringify(tables.map((table) => db.prepare(`SELECT * FROM "${table.name.replaceAll('"', '""')}"`).all()));
      assert.ok(tables.length > 0);
      for (const secret of secrets) assert.ok(!rows.includes(secret), 'a client secret or PBX token in the state database');
      assert.doesNotMatch(rows, /eyJ[A-Za-z0-9_-]{10,}\./, 'no JWT in the state database');
    } finally {
      db.close();
    }
    const unhandled = env.daemon.entries().filter((e) => e.level === 'fatal' || e.msg === 'Unhandled promise rejection');
    assert.deepEqual(
      unhandled.map((e) => e.msg),
      [],
    );
  });

  test('RBAC: the daemon was refused nothing and used every (resource, verb) the install grants it', async (t) => {
    // Stopped first, so shutdown requests (the lease release) count too.
    assert.equal(await env.stopDaemon(), 0, 'the daemon exits cleanly on SIGTERM');
    const events = await env.auditEvents();
    assert.ok(events.length > 0, `no audit events for ${env.daemon.serviceAccount.username}`);
    const result = compare(env.daemon.install.boundRoles, events);
    t.diagnostic(
      `RBAC of ${env.daemon.serviceAccount.username} (install: ${env.daemon.install.sources.map((s) => s.replace(/.*\/config\//, 'config/')).join(' + ')})`,
    );
    for (const line of usageTable(result).split('\n')) t.diagnostic(line);
    const describeUse = (u: (typeof result.forbidden)[number]) =>
      `${u.verb} ${u.apiGroup || 'core'}/${u.resource}${u.namespace ? ` in ${u.namespace}` : ''}${u.name ? ` (${u.name})` : ''}${u.decision ? ` [authorization: ${u.decision}]` : ''}`;
    const forbidden = [...new Set(result.forbidden.map(describeUse))];
    // Grants the code uses only on a path no test drives on purpose (a 409) are not required to show up.
    const rare = daemonPermissions.flatMap((table) => table.permissions).filter((p) => p.onlyOn !== undefined);
    const required = result.unused.filter((g) => !rare.some((p) => p.group === g.apiGroup && p.resource === g.resource && p.verbs.includes(g.verb as Verb)));
    const unused = [
      ...new Set(
        required.map(
          (g) =>
            `${g.role}: ${g.verb} ${g.apiGroup || 'core'}/${g.resource}${g.resourceNames.length ? ` (${g.resourceNames.join(',')})` : ''}${g.scope ? ` in ${g.scope}` : ''}`,
        ),
      ),
    ];
    assert.deepEqual(forbidden, [], 'requests the apiserver refused (403): the role lacks them');
    assert.deepEqual(
      unused,
      [],
      'grants the daemon never used during the suite: not least privilege (drop them from the permission tables beside the controllers, or add a scenario here that needs them)',
    );
  });
});
