/**
 * The designated Global Admin's device code sign-in (seed 003's double authentication), then the token Secret
 * and the TeamsSync run that references it. Kubernetes RBAC decides who may do this (create Secrets and
 * TeamsSyncs); the controller checks the token's user and role, runs the sync and deletes the Secret when the
 * run ends. The token is never printed, logged or kept anywhere but in that Secret.
 */
import { createHttpsAgent, deviceCodeLogin, readCaBundle, resolveEndpoints, type EndpointOverrides } from '../../../pkg/graph/index.ts';
import type { KubeClient } from '../../../pkg/runtime/kube-client.ts';
import type { KubeObject } from '../../../pkg/runtime/resource.ts';
import { secretResource, teamsSyncResource, type TeamsTenant } from '../../../controllers/teamssync/resources.ts';
import { CliError, ExitCode } from '../exit-codes.ts';
import { ownedByRun, teamsSyncRun, tokenSecret, type RunRequest } from './objects.ts';

/** How to sign in: Entra ID endpoints (sovereign clouds, the simulator), app and scopes. */
export interface SignInOptions {
  readonly endpoints: EndpointOverrides;
  /** The public client to sign in with (default: the tenant's `spec.credentials.clientId`). */
  readonly clientId?: string | undefined;
  readonly scopes: readonly string[];
  /** Create the run even when someone else than the designated Global Admin signed in (the controller refuses it). */
  readonly force: boolean;
  /** Where the sign-in instructions go (stderr: stdout stays parseable). */
  readonly prompt: (text: string) => void;
}

/** Who signed in and until when the token is valid. */
export interface SignedIn {
  readonly accessToken: string;
  readonly expiresOn: Date;
  readonly username: string;
}

/** Device code sign-in against the tenant's cloud; returns the access token and who signed in. */
export async function signIn(tenant: TeamsTenant, opts: SignInOptions): Promise<SignedIn> {
  const endpoints = resolveEndpoints(tenant.spec.cloud, opts.endpoints);
  const agent = createHttpsAgent(opts.endpoints.caBundlePath === undefined ? {} : { extraCaPem: readCaBundle(opts.endpoints.caBundlePath) });
  try {
    const admin = tenant.spec.globalAdmin?.userPrincipalName;
    opts.prompt(admin === undefined ? 'Sign in as a Global Administrator of the tenant.' : `Sign in as the designated Global Admin ${admin}.`);
    const login = await deviceCodeLogin({
      tenantId: tenant.spec.tenantId,
      clientId: opts.clientId ?? tenant.spec.credentials.clientId,
      endpoints,
      agent,
      permissions: opts.scopes,
      onPrompt: (p) => opts.prompt(p.message),
    });
    return { accessToken: login.accessToken.reveal(), expiresOn: login.expiresOn, username: login.username };
  } finally {
    agent.destroy();
  }
}

/** Refuses early (nothing created) when someone else than the designated Global Admin signed in, unless forced. */
export function checkSignedInUser(tenant: TeamsTenant, login: SignedIn, force: boolean): void {
  const designated = tenant.spec.globalAdmin?.userPrincipalName;
  if (designated === undefined || force || login.username.toLowerCase() === designated.toLowerCase()) return;
  throw new CliError(
    `Signed in as ${login.username}, but only the designated Global Admin ${designated} may authorise a sync. Nothing was created (use --force to let the controller refuse it).`,
    ExitCode.Refused,
  );
}

/**
 * Creates the run: with a token, first its Secret, then the TeamsSync, then makes the run the Secret's owner
 * (garbage collection removes the Secret if the run is deleted first); a failed create removes the Secret again.
 */
export async function createRun(kube: KubeClient, req: RunRequest, login: SignedIn | undefined): Promise<KubeObject> {
  if (login === undefined) return kube.create<KubeObject>(teamsSyncResource, req.namespace, teamsSyncRun(req, false));
  const secret = await kube.create<KubeObject>(secretResource, req.namespace, tokenSecret(req, login.accessToken, login.expiresOn));
  const secretName = secret.metadata?.name ?? '';
  try {
    const run = await kube.create<KubeObject>(teamsSyncResource, req.namespace, teamsSyncRun(req, true));
    await kube.patch(secretResource, req.namespace, secretName, ownedByRun(run)).catch(() => undefined);
    return run;
  } catch (err) {
    await kube.delete(secretResource, req.namespace, secretName).catch(() => undefined);
    throw err;
  }
}
