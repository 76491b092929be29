/** `kubectl teamssync diagnose`: placeholder until the command lands. */
import type { Command } from 'commander';
import type { PluginContext } from '../context.ts';
import { ExitCode } from '../exit-codes.ts';

/** Registers `diagnose`. */
export function register(program: Command, cli: PluginContext): void {
  program
    .command('diagnose')
    .description('diagnose (not implemented yet)')
    .action(() => {
      cli.out.note('error: diagnose: not implemented yet');
      cli.exitCode = ExitCode.NotImplemented;
    });
}
