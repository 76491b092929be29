/**
 * The daemon as the image ships it, for tests, benches and the demo: cmd/controller/main.ts and every module it
 * imports compiled by tsc with tsconfig.build.json, as the Dockerfile's build stage compiles them. Whatever starts
 * "the daemon as its container runs it" runs this JavaScript, never the sources through Node's type stripping.
 *
 *   const build = await compiledDaemon();   // build.dir stands for the image's WORKDIR: package.json and dist/
 *
 * A build is named by a hash of everything that could be in it (the .ts files under the source folders, the
 * tsconfigs, package.json, the TypeScript version) and kept under node_modules/.cache/teams-sync-controller/, so an
 * unchanged tree starts at once and a source edited since (by anyone sharing the work tree) is compiled again before
 * the next start: nothing stale runs. node_modules is found by walking up from there, as in the image's /app. A build
 * is written to a temporary folder and renamed into place, so processes starting daemons at the same time never see
 * a half-written one; builds unused for an hour are removed.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, copyFile, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const repoRoot = path.resolve(import.meta.dirname, '..', '..');
const cacheRoot = path.join(repoRoot, 'node_modules', '.cache', 'teams-sync-controller');
/** Bumped when the layout of a build changes, so older builds are not taken for current ones. */
const LAYOUT = 1;
/** A build not started for this long is removed (each edit of a shared work tree makes one, ~1.6 MB). */
const UNUSED_FOR_MS = 3600_000;

/** A compiled tree: `dir` holds package.json (the module type) and dist/, as the image's WORKDIR does. */
export interface CompiledTree {
  readonly dir: string;
  /** The emitted JavaScript of a repository-relative .ts source (`bench/x.ts` → `<dir>/dist/bench/x.js`). */
  script(source: string): string;
}

/** What to compile: the daemon (tsconfig.build.json's files) unless other entry points are named. */
export interface CompileOptions {
  /** Repository-relative entry points (their imports follow); default: tsconfig.build.json's `files`. */
  readonly entries?: readonly string[];
  /** Folders whose .ts files may be imported by the entries: any change there means a new build. */
  readonly sourceDirs?: readonly string[];
}

const inFlight = new Map<string, Promise<CompiledTree>>();

/** The daemon as shipped, compiled from the current sources (a cached build when nothing changed). */
export function compiledDaemon(): Promise<CompiledTree> {
  return compileTree({ sourceDirs: ['cmd', 'controllers', 'pkg'] });
}

/**
 * Compiles the entries with tsconfig.build.json's options, or returns the build of identical sources. Takes a few
 * seconds when it compiles (tsc emits without checking types), tens of milliseconds otherwise.
 */
export async function compileTree(options: CompileOptions): Promise<CompiledTree> {
  const key = await sourceHash(options);
  let pending = inFlight.get(key);
  if (pending === undefined) {
    pending = ensureBuild(key, options.entries);
    inFlight.set(key, pending);
    pending.catch(() => inFlight.delete(key)); // a failed build is tried again on the next call
  }
  return pending;
}

async function ensureBuild(key: string, entries: readonly string[] | undefined): Promise<CompiledTree> {
  const dir = path.join(cacheRoot, key);
  const tree: CompiledTree = { dir, script: (source) => path.join(dir, 'dist', source.replace(/\.ts$/, '.js')) };
  if (await exists(dir)) {
    const now = new Date();
    await utimes(dir, now, now); // last use, for the clean-up of old builds
    return tree;
  }
  await mkdir(cacheRoot, { recursive: true });
  const work = await mkdtemp(path.join(cacheRoot, '.tmp-'));
  try {
    await chmod(work, 0o755); // as a COPY leaves /app: readable by a daemon started as another user
    await build(work, entries);
    await rename(work, dir);
  } catch (error) {
    await rm(work, { recursive: true, force: true });
    // Another process finished the same build first: its tree is identical.
    if (!(await exists(dir))) throw error;
  }
  await removeUnused(key);
  return tree;
}

async function build(work: string, entries: readonly string[] | undefined): Promise<void> {
  const config = {
    extends: path.join(repoRoot, 'tsconfig.build.json'),
    compilerOptions: { outDir: path.join(work, 'dist'), rootDir: repoRoot },
    ...(entries === undefined ? {} : { files: entries.map((entry) => path.join(repoRoot, entry)) }),
  };
  const configPath = path.join(work, 'tsconfig.json');
  await writeFile(configPath, JSON.stringify(config, null, 2));
  const tsc = path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
  try {
    // --noCheck: the emitted JavaScript does not depend on types; type errors are `npm run typecheck`'s to report.
    await promisify(execFile)(process.execPath, [tsc, '-p', configPath, '--noCheck'], { cwd: repoRoot, maxBuffer: 16 << 20 });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`tsc -p tsconfig.build.json --noCheck failed:\n${stdout}${stderr}`);
  }
  await rm(configPath);
  // The image copies package.json beside dist/: its "type": "module" makes the .js files ES modules.
  await copyFile(path.join(repoRoot, 'package.json'), path.join(work, 'package.json'));
}

/** sha256 over every input of a build, in a stable order. */
async function sourceHash(options: CompileOptions): Promise<string> {
  const hash = createHash('sha256').update(JSON.stringify({ layout: LAYOUT, entries: options.entries ?? null }));
  const files = ['tsconfig.json', 'tsconfig.build.json', 'package.json', 'node_modules/typescript/package.json'];
  for (const dir of options.sourceDirs ?? ['cmd', 'controllers', 'pkg']) {
    const entries = await readdir(path.join(repoRoot, dir), { recursive: true, withFileTypes: true });
    for (const entry of entries) if (entry.isFile() && entry.name.endsWith('.ts')) files.push(path.relative(repoRoot, path.join(entry.parentPath, entry.name)));
  }
  for (const file of files.sort())
    hash
      .update(`${file}\0`)
      .update(await readFile(path.join(repoRoot, file)))
      .update('\0');
  return hash.digest('hex').slice(0, 20);
}

/** Removes builds (and abandoned temporary folders) not used for an hour; a running daemon has loaded its modules. */
async function removeUnused(current: string): Promise<void> {
  const now = Date.now();
  for (const name of await readdir(cacheRoot)) {
    if (name === current) continue;
    const dir = path.join(cacheRoot, name);
    const used = await stat(dir).then(
      (s) => s.mtimeMs,
      () => now,
    );
    if (now - used > UNUSED_FOR_MS) await rm(dir, { recursive: true, force: true });
  }
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}
