/**
 * `kubectl teamssync users TENANT [--unmapped | --ineligible] [-o table|json|yaml]`: the tenant's Teams users that
 * can be mapped (the vendor portals' drop-down), the others with the reason, and who maps whom. The list comes
 * from the daemon, which already holds the tenant's directory and classifies it with the one eligibility rule set
 * (controllers/shared/eligibility.ts); the daemon authorises the admin's own token per tenant, so no Graph
 * credentials reach the admin's machine and no Kubernetes object grows with the directory
 * (docs/design/plugin-users.md). Pages are printed as they arrive.
 */
import { readFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { TeamsTenantResource } from '../../../controllers/shared/resources.ts';
import { eligibilityMessage, type IneligibleReason } from '../../../controllers/shared/eligibility.ts';
import type { UsersFilter } from '../../../controllers/teamstenant/users-view.ts';
import { isNotFound } from '../../../pkg/runtime/api-error.ts';
import type { GlobalOptions, PluginContext } from '../context.ts';
import { CliError, ExitCode } from '../exit-codes.ts';
import { leaderPod, startPortForward, type PortForward } from '../users/port-forward.ts';
import { bearerOf, usersPages } from '../users/users-client.ts';
import { UsersStream } from '../users/users-output.ts';

const EXAMPLES = `
Examples:
  kubectl teamssync users contoso -n acme                  # every user: eligible or why not, and which mapping maps it
  kubectl teamssync users contoso -n acme --unmapped       # the portals' drop-down: eligible users nobody maps yet
  kubectl teamssync users contoso -n acme --ineligible -o json | jq '.items[] | [.userPrincipalName, .reasons]'

How it is reached: a kubectl port-forward to the leader's pod (the Lease holder; else the metrics Service:
--controller-namespace, --service, --leader-election-id), or --endpoint URL. The daemon checks that the
caller's token may "get teamstenants/users" on the tenant:
  kubectl create rolebinding support-users -n acme --clusterrole=teams-sync-controller-users-viewer --group=support
(the ClusterRole: config/rbac/users_viewer_role.yaml). Exit codes: 0 ok, 1 error or refused, 2 usage, 4 tenant not found.`;

interface UsersFlags {
  readonly unmapped?: boolean;
  readonly ineligible?: boolean;
  readonly output?: string;
  readonly endpoint?: string;
  readonly controllerNamespace: string;
  readonly service: string;
  readonly leaderElectionId: string;
  readonly certificateAuthority?: string;
  readonly insecureSkipTlsVerify?: boolean;
  readonly chunkSize: string;
}

function filterOf(flags: UsersFlags): UsersFilter {
  if (flags.unmapped === true && flags.ineligible === true) throw new CliError('--unmapped and --ineligible exclude each other', ExitCode.Usage);
  return flags.unmapped === true ? 'unmapped' : flags.ineligible === true ? 'ineligible' : 'all';
}

/** The admin's token goes in every request: over plain HTTP only to this machine (a local daemon with --metrics-secure=false). */
function refusePlainHttp(endpoint: string): void {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new CliError(`--endpoint ${endpoint} is not a URL such as https://127.0.0.1:8443`, ExitCode.Usage);
  }
  const local = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && local)) {
    throw new CliError(`refusing to send your token to ${url.origin}: use https (plain http only to this machine)`, ExitCode.Usage);
  }
}

/** A typo in TENANT stops here with exit 4; a caller who may only read users (not tenants) goes on to the daemon. */
async function checkTenant(cli: PluginContext, namespace: string, tenant: string): Promise<void> {
  try {
    await cli.kube().get(TeamsTenantResource, namespace, tenant);
  } catch (error) {
    if (isNotFound(error)) throw new CliError(`TeamsTenant "${tenant}" not found in namespace "${namespace}"`, ExitCode.NotFound);
  }
}

/** Registers `users`. */
export function register(program: Command, cli: PluginContext): void {
  program
    .command('users')
    .description("The tenant's Teams users that can be mapped and, for the others, why not")
    .argument('<tenant>', 'the TeamsTenant')
    .option('--unmapped', 'only eligible users no UserLicenseMapping maps yet (the portals drop-down)')
    .option('--ineligible', 'only users that cannot be mapped, with the reasons')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['table', 'json', 'yaml']).default('table'))
    .option('--endpoint <url>', "the daemon's metrics listener (https://host:port) instead of a port-forward")
    .option('--controller-namespace <namespace>', "the daemon's namespace (for the port-forward)", 'teams-sync-system')
    .option('--service <name>', "the daemon's metrics Service (for the port-forward)", 'teams-sync-controller-metrics')
    .option(
      '--leader-election-id <name>',
      "the daemon's leader-election Lease: the port-forward goes to its holder's pod",
      'teams-sync-controller.teamssync.io',
    )
    .option('--certificate-authority <file>', "PEM CA of the daemon's serving certificate")
    .option('--insecure-skip-tls-verify', "do not verify the daemon's certificate (its default certificate is self-signed)")
    .option('--chunk-size <n>', 'users per page', '500')
    .addHelpText('after', EXAMPLES)
    .action(async (tenant: string, flags: UsersFlags) => {
      const filter = filterOf(flags);
      const format = cli.outputFormat(flags.output);
      const limit = Number(flags.chunkSize);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new CliError('--chunk-size must be 1 to 1000', ExitCode.Usage);
      if (flags.endpoint !== undefined) refusePlainHttp(flags.endpoint);
      const namespace = cli.namespace();
      await checkTenant(cli, namespace, tenant);
      const authorization = await bearerOf(cli.connection());
      const globals = program.opts<GlobalOptions>();
      let forward: PortForward | undefined;
      if (flags.endpoint === undefined) {
        const leader = await leaderPod(cli.kube(), flags.controllerNamespace, flags.leaderElectionId);
        forward = await startPortForward({
          namespace: flags.controllerNamespace,
          resource: leader === undefined ? `service/${flags.service}` : `pod/${leader}`,
          port: 8443,
          kubeconfig: globals.kubeconfig,
          context: globals.context,
        });
      }
      try {
        const endpoint = {
          baseUrl: flags.endpoint ?? forward?.baseUrl ?? '',
          authorization,
          ca: flags.certificateAuthority === undefined ? undefined : readFileSync(flags.certificateAuthority, 'utf8'),
          // A port-forward ends on the pod itself: its self-signed certificate names no host to verify.
          insecure: flags.insecureSkipTlsVerify === true || (forward !== undefined && flags.certificateAuthority === undefined),
        };
        const stream = new UsersStream(format, (s) => cli.out.streams.stdout.write(s));
        const reasons = new Set<IneligibleReason>();
        let last: { matching: number; directoryReadAt?: string } | undefined;
        for await (const page of usersPages(endpoint, { namespace, tenant, filter, limit })) {
          stream.page(page.items);
          for (const u of page.items) for (const r of u.reasons) reasons.add(r);
          last = page.metadata;
        }
        stream.end();
        const what = filter === 'unmapped' ? 'eligible unmapped users' : filter === 'ineligible' ? 'ineligible users' : 'users';
        if (stream.count === 0 && format === 'table') cli.out.note(`No ${what} in ${namespace}/${tenant}.`);
        cli.out.note(`${String(stream.count)} ${what}${last?.directoryReadAt ? `, directory read at ${last.directoryReadAt}` : ''}`);
        if (format === 'table') for (const r of reasons) cli.out.note(`${r}: ${eligibilityMessage('<user>', r)}`);
      } finally {
        forward?.close();
      }
    });
}
