/**
 * The plugin's exit codes, one list for every command (documented in docs/kubectl-plugin.md, which a unit test
 * keeps in step with this table). Scripts branch on them, so a code is never reused for another meaning.
 */
export const ExitCode = {
  /** The command did what it was asked. */
  Ok: 0,
  /** Something failed: the apiserver, Microsoft 365, the sign-in, a run that failed as a whole. */
  Error: 1,
  /** Bad usage: unknown command or flag, missing argument, bad flag value. */
  Usage: 2,
  /** The sync run ended but some users failed (`sync --wait`, `show`). */
  UsersFailed: 3,
  /** The named object (tenant, run, mapping) does not exist in the namespace. */
  NotFound: 4,
  /** The request was refused before anything changed: another admin signed in, the run was refused, rows rejected. */
  Refused: 5,
  /** The command is not implemented yet. */
  NotImplemented: 6,
  /** `map --skip-invalid`: some rows were rejected and skipped, the valid ones were applied. */
  RowsSkipped: 7,
} as const;

/** One of the codes above. */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** What each code means, in the order the docs list them. */
export const exitCodeMeanings: readonly (readonly [ExitCode, string])[] = [
  [ExitCode.Ok, 'success'],
  [ExitCode.Error, 'error (apiserver, Microsoft 365, sign-in, a run that failed as a whole)'],
  [ExitCode.Usage, 'usage error (unknown command or flag, missing or bad argument)'],
  [ExitCode.UsersFailed, 'the sync run ended with failed users'],
  [ExitCode.NotFound, 'the named tenant, run or mapping does not exist'],
  [ExitCode.Refused, 'refused before anything changed (wrong admin signed in, run refused, rows rejected)'],
  [ExitCode.NotImplemented, 'command not implemented yet'],
  [ExitCode.RowsSkipped, 'map --skip-invalid: rejected rows were skipped, the valid rows applied'],
];

/**
 * An error that ends the command with a chosen exit code; main.ts prints its message on stderr
 * (prefixed `error: `, as kubectl does) and exits with `code`.
 */
export class CliError extends Error {
  readonly code: ExitCode;
  constructor(message: string, code: ExitCode = ExitCode.Error) {
    super(message);
    this.name = 'CliError';
    this.code = code;
  }
}
