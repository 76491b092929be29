/** `kubectl teamssync sync`: placeholder until the command lands. */
import type { Command } from 'commander';
import type { PluginContext } from '../context.ts';
import { ExitCode } from '../exit-codes.ts';

/** Registers `sync`. */
export function register(program: Command, cli: PluginContext): void {
  program
    .command('sync')
    .description('sync (not implemented yet)')
    .action(() => {
      cli.out.note('error: sync: not implemented yet');
      cli.exitCode = ExitCode.NotImplemented;
    });
}
