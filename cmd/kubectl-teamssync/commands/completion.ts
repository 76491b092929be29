/** `kubectl teamssync completion`: placeholder until the command lands. */
import type { Command } from 'commander';
import type { PluginContext } from '../context.ts';
import { ExitCode } from '../exit-codes.ts';

/** Registers `completion`. */
export function register(program: Command, cli: PluginContext): void {
  program
    .command('completion')
    .description('completion (not implemented yet)')
    .action(() => {
      cli.out.note('error: completion: not implemented yet');
      cli.exitCode = ExitCode.NotImplemented;
    });
}
