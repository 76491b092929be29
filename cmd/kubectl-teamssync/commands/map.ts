/**
 * `kubectl teamssync map --from-csv FILE --tenant TENANT [--skip-invalid] [--dry-run] [--country CC]`: creates
 * UserLicenseMappings in bulk from a PBX user export. Every row is checked first (the file's own duplicates,
 * collisions with the tenant's existing mappings, then a server-side dry run of each create); nothing is created
 * unless every row passes, or `--skip-invalid`. A re-run of the same file reports its rows `unchanged`.
 * The work is in ../map/ (pure steps with table tests); this file is flags, output and the exit code.
 */
import { readFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { TeamsTenantResource } from '../../../controllers/shared/resources.ts';
import { isNotFound } from '../../../pkg/runtime/api-error.ts';
import type { PluginContext } from '../context.ts';
import { CliError, ExitCode } from '../exit-codes.ts';
import { kubeMappingApi, runImport, type ImportReport, type RowReport } from '../map/import-run.ts';
import type { Column } from '../output.ts';

const EXAMPLES = `
Examples:
  kubectl teamssync map --from-csv pbx-export.csv --tenant contoso -n acme --dry-run   # check every row, create nothing
  kubectl teamssync map --from-csv pbx-export.csv --tenant contoso -n acme             # all rows or none
  kubectl teamssync map --from-csv pbx-export.csv --tenant contoso -n acme --skip-invalid -o json
  kubectl teamssync map --from-csv uk-export.csv --tenant contoso -n acme --country GB # national numbers (020 7946 0000)

Columns (header names are matched ignoring case, spaces, "-", "_", "."; other columns are ignored):
  name (required)    also: display name, full name, user name; or first name + last name
  number (required)  also: phone number, phone, DID, direct number, E164; E.164, or national with --country
  email              also: e-mail, mail, e-mail address
  extension          also: ext, extension number (names the object: <tenant>-<extension>, else <tenant>-<number digits>)
  teams user         also: teams UPN, user principal name, UPN, teams object id; empty or "None" = not mapped
  voicemail          Voicemail | NoVoicemail | NoVoicemailOrForwarding (also yes / no / NoVM / NoVMOrForward); default Voicemail
  pbx user id        also: user id, id

Exit codes: 0 every row created or unchanged (or valid with --dry-run), 1 error, 5 rows rejected (nothing created),
7 rows rejected and skipped (--skip-invalid: the valid rows were created).`;

const columns: readonly Column<RowReport>[] = [
  { header: 'Row', value: (r) => String(r.row) },
  { header: 'Name', value: (r) => r.name ?? '' },
  { header: 'Result', value: (r) => r.result },
  { header: 'Reason', value: (r) => (r.reasons ?? []).join('; ') },
];

/** The one-line summary: counts, and what was (not) applied. */
export function importSummary(report: ImportReport, dryRun: boolean): string {
  const c = report.counts;
  const parts = [
    c.created > 0 ? `${c.created} created` : '',
    c.unchanged > 0 ? `${c.unchanged} unchanged` : '',
    c.valid > 0 ? `${c.valid} valid` : '',
    c.rejected > 0 ? `${c.rejected} rejected` : '',
    c.failed > 0 ? `${c.failed} failed` : '',
  ].filter((p) => p !== '');
  const counts = parts.length === 0 ? 'no rows' : parts.join(', ');
  if (dryRun) return `${counts} (dry run: nothing applied)`;
  if (!report.applied && c.rejected > 0) return `${counts}: nothing applied; fix the rejected rows or pass --skip-invalid`;
  return counts;
}

/** The exit code of a finished import. */
export function importExitCode(report: ImportReport): ExitCode {
  if (report.counts.failed > 0) return ExitCode.Error;
  if (report.counts.rejected === 0) return ExitCode.Ok;
  return report.applied ? ExitCode.RowsSkipped : ExitCode.Refused;
}

/** Mappings of a tenant that does not exist would wait forever: a typo in --tenant stops here (exit 4). */
async function requireTenant(cli: PluginContext, namespace: string, tenant: string): Promise<void> {
  try {
    await cli.kube().get(TeamsTenantResource, namespace, tenant);
  } catch (error) {
    if (isNotFound(error)) throw new CliError(`TeamsTenant "${tenant}" not found in namespace "${namespace}"`, ExitCode.NotFound);
    throw error;
  }
}

interface MapFlags {
  readonly fromCsv: string;
  readonly tenant: string;
  readonly skipInvalid?: boolean;
  readonly dryRun?: boolean;
  readonly country?: string;
  readonly output?: string;
}

/** Registers `map`. */
export function register(program: Command, cli: PluginContext): void {
  program
    .command('map')
    .description('Create UserLicenseMappings in bulk from a PBX user export (CSV), checked with a server-side dry run first')
    .requiredOption('--from-csv <file>', 'the PBX export: name, e-mail, extension, number, Teams user, voicemail variant')
    .requiredOption('--tenant <tenant>', 'the TeamsTenant the mappings belong to')
    .option('--skip-invalid', 'create the rows that pass even when others are rejected')
    .option('--dry-run', 'check every row (server-side dry run) and create nothing')
    .option('--country <code>', 'ISO 3166 country (e.g. GB) of numbers written without a country code')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['table', 'json', 'yaml']).default('table'))
    .addHelpText('after', EXAMPLES)
    .action(async (flags: MapFlags) => {
      const format = cli.outputFormat(flags.output);
      let text: string;
      try {
        text = await readFile(flags.fromCsv, 'utf8');
      } catch (error) {
        throw new CliError(`cannot read ${flags.fromCsv}: ${error instanceof Error ? error.message : String(error)}`, ExitCode.Error);
      }
      const namespace = cli.namespace();
      await requireTenant(cli, namespace, flags.tenant);
      const report = await runImport(text, kubeMappingApi(cli.kube()), {
        namespace,
        tenant: flags.tenant,
        country: flags.country,
        skipInvalid: flags.skipInvalid === true,
        dryRun: flags.dryRun === true,
      });
      if (report.fileProblem !== undefined) throw new CliError(`${flags.fromCsv}: ${report.fileProblem}`, ExitCode.Refused);
      const summary = importSummary(report, flags.dryRun === true);
      cli.out.list(report.rows, columns, format, { empty: `${flags.fromCsv} has no user rows.` });
      if (format === 'table' && report.rows.length > 0) cli.out.line(`\n${summary}`);
      else cli.out.note(summary);
      cli.exitCode = importExitCode(report);
    });
}
