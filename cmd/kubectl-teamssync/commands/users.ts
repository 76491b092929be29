/**
 * `kubectl teamssync users TENANT`: placeholder registered by the plugin skeleton so `--help` lists the command;
 * the users engineer replaces this file with the real command.
 */
import { Option, type Command } from 'commander';
import type { PluginContext } from '../context.ts';
import { ExitCode } from '../exit-codes.ts';

/** Registers `users`. */
export function register(program: Command, cli: PluginContext): void {
  program
    .command('users')
    .description("The tenant's Teams users that can be mapped and, for the others, why not")
    .argument('<tenant>', 'the TeamsTenant')
    .option('--unmapped', 'only eligible users no UserLicenseMapping maps yet')
    .option('--ineligible', 'only users that cannot be mapped, with the reason')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['table', 'json', 'yaml']).default('table'))
    .addHelpText('after', '\nExamples:\n  kubectl teamssync users contoso -n acme --unmapped\n  kubectl teamssync users contoso -n acme --ineligible -o json')
    .action(() => {
      cli.out.note('error: users: not implemented yet');
      cli.exitCode = ExitCode.NotImplemented;
    });
}
