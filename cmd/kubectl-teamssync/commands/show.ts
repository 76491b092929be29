/**
 * `kubectl teamssync show RUN`: one TeamsSync run: what it was asked, how it ended, each user's result and the
 * run's output (with the diagnostic lines of a `--diagnostic` run). `-o json|yaml` prints the TeamsSync object.
 * Exits with the run's outcome, so scripts can check a run they did not follow.
 */
import { Option, type Command } from 'commander';
import { teamsSyncResource } from '../../../controllers/teamssync/resources.ts';
import type { PluginContext } from '../context.ts';
import { outputFormats, renderItems } from '../output.ts';
import { resultColumns, runDetailLines, runExitCode, type Run } from '../runs/run-view.ts';

const EXAMPLES = `
Examples:
  kubectl teamssync show contoso-sync-20261203-101500 -n acme
  kubectl teamssync show contoso-sync-20261203-101500 -n acme --failed     # only the users that failed
  kubectl teamssync show contoso-sync-20261203-101500 -n acme -o yaml

Exit codes: 0 the run succeeded (or has not ended yet), 1 error or the run failed as a whole, 3 users failed,
4 no such run, 5 the run was refused.`;

/** Registers `show`. */
export function register(program: Command, cli: PluginContext): void {
  program
    .command('show')
    .description("One sync run: its outcome, each user's result and the run's output")
    .argument('<run>', 'the TeamsSync (see `kubectl teamssync history TENANT`)')
    .option('--failed', 'list only the users that failed')
    .addOption(new Option('-o, --output <format>', 'output format').choices(outputFormats).default('table'))
    .addHelpText('after', EXAMPLES)
    .action(async (name: string, flags: { output: string; failed?: boolean }) => {
      const format = cli.outputFormat(flags.output);
      const run = await cli.get<Run>(teamsSyncResource, name);
      cli.exitCode = runExitCode(run);
      if (format !== 'table') {
        cli.out.document(run, format);
        return;
      }
      for (const line of runDetailLines(run, new Date())) cli.out.line(line);
      const results = (run.status?.results ?? []).filter((r) => flags.failed !== true || r.result === 'Failed');
      cli.out.line();
      cli.out.line(results.length === 0 ? 'No per-user results.' : `Results:\n${renderItems(results, resultColumns).trimEnd()}`);
      const output = run.status?.output ?? [];
      if (output.length > 0) {
        cli.out.line();
        cli.out.line(`Output${run.status?.outputTruncated === true ? ' (earlier lines dropped)' : ''}:`);
        for (const line of output) cli.out.line(`  ${line}`);
      }
    });
}
