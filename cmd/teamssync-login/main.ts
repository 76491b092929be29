/**
 * "Sync Now" with the Global Admin's double authentication (seed 003), the Kubernetes way: the
 * designated Global Admin signs in with the device code flow, then this creates a short-lived
 * Secret holding the delegated access token and a TeamsSync run referencing it. Kubernetes RBAC
 * decides who may run this (create Secrets and TeamsSyncs); the controller checks the token's user
 * and role, runs the sync and deletes the Secret when the run ends.
 *
 *   node cmd/teamssync-login/main.ts --tenant contoso [--namespace acme] [--dry-run] [--diagnostic]
 *     [--mapping alex --mapping sam] [--name run-1] [--note "why"] [--kubeconfig ~/.kube/config]
 *     [--client-id GUID] [--scope .default] [--no-sign-in] [--force]
 *     [--graph-authority-host URL] [--graph-base-url URL] [--graph-ca-bundle PEM]
 *
 * Prints the sign-in instructions and, at the end, the run's name and a `kubectl wait` line.
 * Never prints a token. Exit codes: 0 created, 1 failed, 2 bad usage.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { parseArgs } from 'node:util';
import { createHttpsAgent, deviceCodeLogin, readCaBundle, resolveEndpoints, type EndpointOverrides } from '../../pkg/graph/index.ts';
import { KubeClient } from '../../pkg/runtime/kube-client.ts';
import type { KubeObject } from '../../pkg/runtime/resource.ts';
import { secretResource, teamsSyncResource, teamsTenantResource, type TeamsTenant } from '../../controllers/teamssync/resources.ts';
import { defaultRunName, ownedByRun, teamsSyncRun, tokenSecret, waitHint, type RunRequest } from './objects.ts';

const USAGE =
  'usage: teamssync-login --tenant NAME [--namespace NS] [--dry-run] [--diagnostic] [--mapping NAME]... [--name RUN] [--note TEXT] [--kubeconfig FILE] [--client-id GUID] [--scope SCOPE]... [--no-sign-in] [--force] [--graph-authority-host URL] [--graph-base-url URL] [--graph-ca-bundle FILE]';

function flags() {
  return parseArgs({
    options: {
      tenant: { type: 'string' },
      namespace: { type: 'string' },
      kubeconfig: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      diagnostic: { type: 'boolean', default: false },
      mapping: { type: 'string', multiple: true },
      name: { type: 'string' },
      note: { type: 'string' },
      'client-id': { type: 'string' },
      scope: { type: 'string', multiple: true },
      'no-sign-in': { type: 'boolean', default: false },
      force: { type: 'boolean', default: false },
      'graph-authority-host': { type: 'string' },
      'graph-base-url': { type: 'string' },
      'graph-ca-bundle': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  }).values;
}

type Flags = ReturnType<typeof flags>;

function kubeConfig(file: string | undefined): KubeConfig {
  const kc = new KubeConfig();
  if (file === undefined) kc.loadFromDefault();
  else kc.loadFromFile(file);
  return kc;
}

function endpointOverrides(f: Flags): EndpointOverrides {
  return {
    ...(f['graph-authority-host'] === undefined ? {} : { authorityHost: f['graph-authority-host'] }),
    ...(f['graph-base-url'] === undefined ? {} : { graphBaseUrl: f['graph-base-url'] }),
    ...(f['graph-ca-bundle'] === undefined ? {} : { caBundlePath: f['graph-ca-bundle'] }),
  };
}

/** Device code sign-in; returns the access token and who signed in (the token is never printed). */
async function signIn(f: Flags, tenant: TeamsTenant): Promise<{ accessToken: string; expiresOn: Date; username: string }> {
  const overrides = endpointOverrides(f);
  const endpoints = resolveEndpoints(tenant.spec.cloud, overrides);
  const agent = createHttpsAgent(overrides.caBundlePath === undefined ? {} : { extraCaPem: readCaBundle(overrides.caBundlePath) });
  try {
    const admin = tenant.spec.globalAdmin?.userPrincipalName;
    console.error(admin === undefined ? 'Sign in as a Global Administrator of the tenant.' : `Sign in as the designated Global Admin ${admin}.`);
    const login = await deviceCodeLogin({
      tenantId: tenant.spec.tenantId,
      clientId: f['client-id'] ?? tenant.spec.credentials.clientId,
      endpoints,
      agent,
      permissions: f.scope ?? ['.default'],
      onPrompt: (p) => console.error(p.message),
    });
    return { accessToken: login.accessToken.reveal(), expiresOn: login.expiresOn, username: login.username };
  } finally {
    agent.destroy();
  }
}

async function main(): Promise<number> {
  const f = flags();
  if (f.help || f.tenant === undefined) {
    console.error(USAGE);
    return f.help ? 0 : 2;
  }
  const kc = kubeConfig(f.kubeconfig);
  const namespace = f.namespace ?? kc.getContextObject(kc.getCurrentContext())?.namespace ?? 'default';
  const client = new KubeClient(kc);
  const tenant = await client.get<TeamsTenant>(teamsTenantResource, namespace, f.tenant);
  const req: RunRequest = {
    namespace,
    tenant: f.tenant,
    runName: f.name ?? defaultRunName(f.tenant, new Date()),
    dryRun: f['dry-run'],
    diagnostic: f.diagnostic,
    mappings: f.mapping ?? [],
    note: f.note,
  };
  const withToken = !f['no-sign-in'] && !f['dry-run'];
  if (!withToken) {
    await client.create<KubeObject>(teamsSyncResource, namespace, teamsSyncRun(req, false));
    console.log(`Created TeamsSync ${namespace}/${req.runName} without a sign-in${f['dry-run'] ? ' (dry run)' : ''}.\n${waitHint(req)}`);
    return 0;
  }
  const login = await signIn(f, tenant);
  const designated = tenant.spec.globalAdmin?.userPrincipalName;
  if (designated !== undefined && login.username.toLowerCase() !== designated.toLowerCase() && !f.force) {
    console.error(
      `Signed in as ${login.username}, but only the designated Global Admin ${designated} may authorise a sync. Nothing was created (use --force to let the controller refuse it).`,
    );
    return 1;
  }
  const secret = await client.create<KubeObject>(secretResource, namespace, tokenSecret(req, login.accessToken, login.expiresOn));
  try {
    const run = await client.create<KubeObject>(teamsSyncResource, namespace, teamsSyncRun(req, true));
    await client.patch(secretResource, namespace, secret.metadata?.name ?? '', ownedByRun(run)).catch(() => undefined);
  } catch (err) {
    await client.delete(secretResource, namespace, secret.metadata?.name ?? '').catch(() => undefined);
    throw err;
  }
  console.log(
    `Signed in as ${login.username}. Created TeamsSync ${namespace}/${req.runName}; its token Secret is deleted when the run ends (token valid until ${login.expiresOn.toISOString()}).\n${waitHint(req)}`,
  );
  return 0;
}

/** Exits once stdout and stderr are flushed (a pipe may still hold the last lines). */
function exit(code: number): void {
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

main().then(exit, (err: unknown) => {
  console.error('teamssync-login:', err instanceof Error ? err.message : String(err));
  exit(1);
});
