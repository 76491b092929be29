/**
 * `kubectl teamssync map --from-csv FILE --tenant TENANT`: placeholder registered by the plugin skeleton so
 * `--help` lists the command; the map engineer replaces this file with the real command.
 */
import type { Command } from 'commander';
import type { PluginContext } from '../context.ts';
import { ExitCode } from '../exit-codes.ts';

/** Registers `map`. */
export function register(program: Command, cli: PluginContext): void {
  program
    .command('map')
    .description('Create UserLicenseMappings in bulk from a PBX user export (CSV), checked with a server-side dry run first')
    .requiredOption('--from-csv <file>', 'the PBX export: name, e-mail, extension, number, Teams user, voicemail variant')
    .requiredOption('--tenant <tenant>', 'the TeamsTenant the mappings belong to')
    .option('--skip-invalid', 'apply the rows that pass even when others are rejected')
    .addHelpText('after', '\nExamples:\n  kubectl teamssync map --from-csv pbx-export.csv --tenant contoso -n acme')
    .action(() => {
      cli.out.note('error: map: not implemented yet');
      cli.exitCode = ExitCode.NotImplemented;
    });
}
