/**
 * What to offer at the cursor, pure (table tests): subcommands, flags, `-o` values, and the names of the
 * objects a command takes (tenants, runs, mappings, namespaces), looked up by the caller. Answers in Cobra's
 * `__complete` format, which kubectl's plugin completion (kubectl_complete-<plugin>) and our bash/zsh scripts
 * read: one `candidate<TAB>description` a line, then `:<directive>`.
 */

/** Cobra's ShellCompDirective bits (https://github.com/spf13/cobra/blob/main/site/content/completions/_index.md). */
const Directive = { Default: 0, NoFileComp: 4 } as const;

/** A command as completion sees it. */
export interface CommandShape {
  readonly name: string;
  readonly description: string;
  /** Long and short flags, e.g. `--output`, `-o`. */
  readonly flags: readonly string[];
  /** Flags that take a value. */
  readonly valueFlags: readonly string[];
}

/** What kind of object names a position or flag takes. */
export type NameKind = 'tenant' | 'run' | 'mapping' | 'mapping-or-tenant' | 'namespace';

/** The plugin's global flags (they take a value) and what their values are. */
const globalValueFlags: Readonly<Record<string, NameKind | undefined>> = {
  '-n': 'namespace',
  '--namespace': 'namespace',
  '--context': undefined,
  '--kubeconfig': undefined,
};

/** Positional argument kind per command. */
const positional: Readonly<Record<string, NameKind | 'shell' | undefined>> = {
  sync: 'tenant',
  history: 'tenant',
  users: 'tenant',
  show: 'run',
  diagnose: 'mapping-or-tenant',
  completion: 'shell',
};

/** Flag values that name objects. */
const flagValues: Readonly<Record<string, NameKind>> = { '--tenant': 'tenant', '--mapping': 'mapping' };

/** The globals typed so far (to look names up in the right namespace and context). */
export interface TypedGlobals {
  namespace?: string;
  context?: string;
  kubeconfig?: string;
}

/** What the cursor needs: fixed candidates, names of a kind, or files. */
export type Need =
  | { readonly kind: 'fixed'; readonly candidates: readonly (readonly [string, string])[] }
  | { readonly kind: 'names'; readonly names: NameKind }
  | { readonly kind: 'files' };

/** Reads the words before the cursor: which command, which globals, and what the cursor needs. */
export function needAt(commands: readonly CommandShape[], words: readonly string[]): { need: Need; globals: TypedGlobals } {
  const globals: TypedGlobals = {};
  let command: CommandShape | undefined;
  let positionals = 0;
  const before = words.slice(0, -1);
  const current = words.at(-1) ?? '';
  for (let i = 0; i < before.length; i++) {
    const w = before[i] ?? '';
    if (w in globalValueFlags) {
      const v = before[i + 1];
      if (v !== undefined) setGlobal(globals, w, v);
      i++;
    } else if (command !== undefined && command.valueFlags.includes(w)) i++;
    else if (w.startsWith('-')) continue;
    else if (command === undefined) command = commands.find((c) => c.name === w);
    else positionals++;
  }
  const previous = before.at(-1);
  const previousTakesValue =
    previous !== undefined && (previous in globalValueFlags || (command?.valueFlags.includes(previous) ?? false)) && !isValueOfEarlierFlag(before, command);
  if (previousTakesValue) return { need: valueNeed(previous), globals };
  if (current.startsWith('-')) {
    const flags = [...(command?.flags ?? []), ...Object.keys(globalValueFlags)].filter((f) => f.startsWith('--'));
    return { need: { kind: 'fixed', candidates: [...new Set(flags)].map((f) => [f, '']) }, globals };
  }
  if (command === undefined) return { need: { kind: 'fixed', candidates: commands.map((c) => [c.name, c.description]) }, globals };
  const wanted = positionals === 0 ? positional[command.name] : undefined;
  if (wanted === 'shell')
    return {
      need: {
        kind: 'fixed',
        candidates: [
          ['bash', ''],
          ['zsh', ''],
        ],
      },
      globals,
    };
  if (wanted !== undefined) return { need: { kind: 'names', names: wanted }, globals };
  return { need: { kind: 'fixed', candidates: [] }, globals };
}

/** True when the word before the cursor is itself the value of a flag (`-o json <TAB>`: json is not a flag). */
function isValueOfEarlierFlag(before: readonly string[], command: CommandShape | undefined): boolean {
  const twoBack = before.at(-2);
  return twoBack !== undefined && (twoBack in globalValueFlags || (command?.valueFlags.includes(twoBack) ?? false));
}

function setGlobal(globals: TypedGlobals, flag: string, value: string): void {
  if (flag === '-n' || flag === '--namespace') globals.namespace = value;
  else if (flag === '--context') globals.context = value;
  else globals.kubeconfig = value;
}

/** What a flag's value can be. */
function valueNeed(flag: string): Need {
  if (flag === '-o' || flag === '--output') return { kind: 'fixed', candidates: ['table', 'json', 'yaml'].map((f) => [f, '']) };
  const names = globalValueFlags[flag] ?? flagValues[flag];
  if (names !== undefined) return { kind: 'names', names };
  if (flag === '--kubeconfig' || flag === '--from-csv' || flag === '--graph-ca-bundle') return { kind: 'files' };
  return { kind: 'fixed', candidates: [] };
}

/** The `__complete` answer: candidates starting with the word at the cursor, then the directive. */
export function cobraAnswer(candidates: readonly (readonly [string, string])[], current: string, files: boolean): string {
  const lines = candidates.filter(([c]) => c.startsWith(current)).map(([c, d]) => (d === '' ? c : `${c}\t${d}`));
  return [...lines, `:${String(files ? Directive.Default : Directive.NoFileComp)}`].join('\n') + '\n';
}
