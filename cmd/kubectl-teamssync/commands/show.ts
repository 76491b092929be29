/** `kubectl teamssync show`: placeholder until the command lands. */
import type { Command } from 'commander';
import type { PluginContext } from '../context.ts';
import { ExitCode } from '../exit-codes.ts';

/** Registers `show`. */
export function register(program: Command, cli: PluginContext): void {
  program
    .command('show')
    .description('show (not implemented yet)')
    .action(() => {
      cli.out.note('error: show: not implemented yet');
      cli.exitCode = ExitCode.NotImplemented;
    });
}
