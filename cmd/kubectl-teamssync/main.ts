/**
 * `kubectl teamssync`: the admin's command line for teams-sync-controller, run by kubectl's plugin discovery
 * through bin/kubectl-teamssync. This file only builds the program (global flags, one `register` per command
 * file) and turns the outcome into an exit code (exit-codes.ts); each command lives in commands/<name>.ts and
 * exports `register(program, cli)`.
 */
import { Command, CommanderError, Option } from 'commander';
import { complete, register as registerCompletion } from './commands/completion.ts';
import { register as registerDiagnose } from './commands/diagnose.ts';
import { register as registerHistory } from './commands/history.ts';
import { register as registerMap } from './commands/map.ts';
import { register as registerShow } from './commands/show.ts';
import { register as registerSync } from './commands/sync.ts';
import { register as registerUsers } from './commands/users.ts';
import { PluginContext, type GlobalOptions } from './context.ts';
import { CliError, ExitCode } from './exit-codes.ts';
import type { OutputStreams } from './output.ts';

const DESCRIPTION = 'Sync Now, sync history, eligible Teams users, bulk mappings and diagnostics for teams-sync-controller.';

/** Printed after the help unwrapped (commander wraps descriptions at the terminal's width). */
const EXAMPLES = `
Examples:
  kubectl teamssync sync contoso -n acme            # the Global Admin signs in, the run starts, a progress bar follows it
  kubectl teamssync history contoso -n acme         # the tenant's runs with their counts
  kubectl teamssync show contoso-sync-20261203-101500 -n acme -o yaml
  kubectl teamssync diagnose alice -n acme          # why a mapping is not Ready, and what to fix
  kubectl teamssync users contoso --unmapped -n acme
  kubectl teamssync map --from-csv pbx-export.csv --tenant contoso -n acme

Exit codes: 0 ok, 1 error, 2 usage, 3 users failed in the sync, 4 not found, 5 refused, 6 not implemented, 7 rows skipped by map --skip-invalid (docs/kubectl-plugin.md).`;

/** Every command file's registration, in the order `--help` lists them. */
const registrars: readonly ((program: Command, cli: PluginContext) => void)[] = [
  registerSync,
  registerHistory,
  registerShow,
  registerDiagnose,
  registerUsers,
  registerMap,
  registerCompletion,
];

/** The program with its global flags and every command; exported for the completion command and tests. */
export function buildProgram(streams: OutputStreams): { program: Command; cli: PluginContext } {
  const program = new Command('kubectl teamssync');
  const cli = new PluginContext(() => program.opts<GlobalOptions>(), streams);
  program
    .description(DESCRIPTION)
    .addHelpText('after', EXAMPLES)
    .addOption(new Option('--kubeconfig <file>', 'path to the kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)'))
    .addOption(new Option('--context <name>', 'the kubeconfig context to use'))
    .addOption(new Option('-n, --namespace <namespace>', "the namespace (default: the context's namespace, else default)"))
    .configureOutput({ writeOut: (s) => streams.stdout.write(s), writeErr: (s) => streams.stderr.write(s) })
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();
  for (const register of registrars) register(program, cli);
  return { program, cli };
}

/** Commander's own outcomes (help shown, usage errors) as the plugin's exit codes. */
function commanderExitCode(err: CommanderError): ExitCode {
  if (err.code === 'commander.helpDisplayed' || err.code === 'commander.help' || err.code === 'commander.version') return ExitCode.Ok;
  return ExitCode.Usage;
}

/** Runs the command line; resolves to the exit code (never throws). */
export async function run(argv: readonly string[], streams: OutputStreams): Promise<ExitCode> {
  const { program, cli } = buildProgram(streams);
  if (argv.length === 0) {
    program.outputHelp();
    return ExitCode.Ok;
  }
  // Shell completion (scripts and kubectl_complete-teamssync) bypasses parsing: the words are incomplete by nature.
  if (argv[0] === '__complete') {
    await complete(program, argv.slice(1), streams);
    return ExitCode.Ok;
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return cli.exitCode;
  } catch (err) {
    if (err instanceof CommanderError) return commanderExitCode(err);
    if (err instanceof CliError) {
      streams.stderr.write(`error: ${err.message}\n`);
      return err.code;
    }
    streams.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    return ExitCode.Error;
  }
}

/** Exits once stdout and stderr are flushed (a pipe may still hold the last lines). */
function exit(code: number): void {
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

if (import.meta.main) {
  run(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr }).then(exit, (err: unknown) => {
    process.stderr.write(`error: ${String(err)}\n`);
    exit(ExitCode.Error);
  });
}
