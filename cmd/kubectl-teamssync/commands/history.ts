/** `kubectl teamssync history`: placeholder until the command lands. */
import type { Command } from 'commander';
import type { PluginContext } from '../context.ts';
import { ExitCode } from '../exit-codes.ts';

/** Registers `history`. */
export function register(program: Command, cli: PluginContext): void {
  program
    .command('history')
    .description('history (not implemented yet)')
    .action(() => {
      cli.out.note('error: history: not implemented yet');
      cli.exitCode = ExitCode.NotImplemented;
    });
}
