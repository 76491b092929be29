/**
 * Replays a Dockerfile without a container engine: every stage gets its own temp directory standing for `/`, and its
 * COPY and RUN steps run in order (COPY with Docker's rules, RUN through `sh -c` in the stage's WORKDIR). This
 * machine cannot pull base images (no container registry), so the host stands in for them: its node, npm, g++,
 * make and python3 for the build stage's `node:*-bookworm`, its Debian 12 libraries for `debian:bookworm-slim`.
 *
 * What it cannot honour it refuses, so the Dockerfile stays replayable: RUN steps naming absolute paths (they would
 * touch the host), shell-form ENTRYPOINT/CMD, ADD, unknown instructions.
 */
import { spawn } from 'node:child_process';
import { chown, cp, mkdir, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';

/** One instruction, continuation lines joined. */
export interface Instruction {
  readonly keyword: string;
  readonly args: string;
  readonly line: number;
}

/** One build stage. */
export interface Stage {
  readonly from: string;
  readonly name: string;
  readonly instructions: readonly Instruction[];
}

/** The final image's configuration after a replay. */
export interface ReplayedImage {
  /** The final stage's root (stands for `/`). */
  readonly root: string;
  /** Roots of every stage by name (and index). */
  readonly stageRoots: ReadonlyMap<string, string>;
  readonly workdir: string;
  readonly env: Readonly<Record<string, string>>;
  readonly user: string | undefined;
  readonly entrypoint: readonly string[];
  readonly cmd: readonly string[];
  readonly exposed: readonly string[];
}

/** Parses a Dockerfile into stages (comments dropped, `\` continuations joined). */
export async function parseDockerfile(file: string): Promise<Stage[]> {
  const lines = (await readFile(file, 'utf8')).split('\n');
  const stages: Array<{ from: string; name: string; instructions: Instruction[] }> = [];
  let pending = '';
  let startLine = 0;
  for (const [index, raw] of lines.entries()) {
    const text = raw.trim();
    if (pending === '' && (text === '' || text.startsWith('#'))) continue;
    if (pending === '') startLine = index + 1;
    if (text.startsWith('#')) continue; // a comment inside a continued instruction
    if (text.endsWith('\\')) {
      pending += `${text.slice(0, -1)} `;
      continue;
    }
    const full = `${pending}${text}`.trim();
    pending = '';
    const match = /^(\S+)\s*(.*)$/.exec(full);
    if (match === null) continue;
    const keyword = (match[1] ?? '').toUpperCase();
    const args = match[2] ?? '';
    if (keyword === 'FROM') {
      const from = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      if (from === null) throw new Error(`Dockerfile:${startLine}: cannot read FROM ${args}`);
      stages.push({ from: from[1] ?? '', name: from[2] ?? String(stages.length), instructions: [] });
      continue;
    }
    const stage = stages.at(-1);
    if (stage === undefined) throw new Error(`Dockerfile:${startLine}: ${keyword} before FROM`);
    stage.instructions.push({ keyword, args, line: startLine });
  }
  return stages;
}

/** Options of {@link replayDockerfile}. */
export interface ReplayOptions {
  readonly dockerfile: string;
  /** The build context (the repository). */
  readonly context: string;
  /** Where the stage roots are created. */
  readonly workDir: string;
  /** Environment for RUN steps, on top of the stage's ENV (e.g. PATH with the host's tools, HOME, npm cache). */
  readonly runEnv: Readonly<Record<string, string>>;
  /** Called before each step, for progress output. */
  readonly onStep?: (stage: string, instruction: Instruction) => void;
}

/** Runs every stage's COPY and RUN steps in order; returns the final stage's configuration. */
export async function replayDockerfile(options: ReplayOptions): Promise<ReplayedImage> {
  const stages = await parseDockerfile(options.dockerfile);
  const ignored = await dockerignore(options.context);
  const roots = new Map<string, string>();
  let image: ReplayedImage | undefined;
  for (const [index, stage] of stages.entries()) {
    const root = path.join(options.workDir, `stage-${index}-${stage.name.replace(/[^a-z0-9-]/gi, '_')}`);
    await mkdir(root, { recursive: true });
    roots.set(stage.name, root);
    roots.set(String(index), root);
    let workdir = '/';
    const env: Record<string, string> = {};
    let user: string | undefined;
    let entrypoint: string[] = [];
    let cmd: string[] = [];
    const exposed: string[] = [];
    for (const step of stage.instructions) {
      options.onStep?.(stage.name, step);
      const where = `Dockerfile:${step.line}`;
      switch (step.keyword) {
        case 'WORKDIR':
          workdir = path.posix.resolve(workdir, step.args);
          await mkdir(inRoot(root, workdir), { recursive: true });
          break;
        case 'ENV':
          for (const [, key, value] of step.args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|\S+)/g))
            if (key !== undefined && value !== undefined) env[key] = value.replace(/^"|"$/g, '');
          break;
        case 'COPY':
          await copyStep(step, { root, workdir, roots, context: options.context, ignored });
          break;
        case 'RUN':
          if (/(^|[\s=:"'(])\/[A-Za-z]/.test(step.args))
            throw new Error(`${where}: RUN names an absolute path, which a replay outside a container cannot honour: ${step.args}`);
          await run(step.args, inRoot(root, workdir), { ...options.runEnv, ...env }, where);
          break;
        case 'USER':
          user = step.args.trim();
          break;
        case 'EXPOSE':
          exposed.push(...step.args.split(/\s+/).filter(Boolean));
          break;
        case 'ENTRYPOINT':
          entrypoint = execForm(step.args, where);
          cmd = [];
          break;
        case 'CMD':
          cmd = execForm(step.args, where);
          break;
        default:
          throw new Error(`${where}: ${step.keyword} is not supported by the replay`);
      }
    }
    image = { root, stageRoots: roots, workdir, env, user, entrypoint, cmd, exposed };
  }
  if (image === undefined) throw new Error(`${options.dockerfile} has no stage`);
  return image;
}

/** An absolute image path inside a stage root. */
export function inRoot(root: string, imagePath: string): string {
  return path.join(root, path.posix.resolve('/', imagePath));
}

interface CopyContext {
  readonly root: string;
  readonly workdir: string;
  readonly roots: ReadonlyMap<string, string>;
  readonly context: string;
  readonly ignored: readonly string[];
}

/** COPY [--from=stage] [--chown=uid:gid] src... dest, with Docker's directory rules (a directory's contents are copied). */
async function copyStep(step: Instruction, c: CopyContext): Promise<void> {
  const words = step.args.split(/\s+/).filter(Boolean);
  const flags = new Map<string, string>();
  while (words[0]?.startsWith('--')) {
    const [name = '', value = ''] = (words.shift() ?? '').slice(2).split('=', 2);
    flags.set(name, value);
  }
  for (const name of flags.keys())
    if (name !== 'from' && name !== 'chown') throw new Error(`Dockerfile:${step.line}: COPY --${name} is not supported by the replay`);
  const dest = words.pop();
  if (dest === undefined || words.length === 0) throw new Error(`Dockerfile:${step.line}: COPY needs a source and a destination`);
  const from = flags.get('from');
  const sourceRoot = from === undefined ? c.context : c.roots.get(from);
  if (sourceRoot === undefined) throw new Error(`Dockerfile:${step.line}: COPY --from=${from}: no such stage`);
  const destPath = path.posix.resolve(c.workdir, dest);
  const intoDirectory = dest.endsWith('/') || words.length > 1;
  for (const source of words) {
    if (from === undefined && c.ignored.some((p) => source === p || source.startsWith(`${p}/`)))
      throw new Error(`Dockerfile:${step.line}: COPY ${source} is excluded by .dockerignore`);
    const sourcePath = from === undefined ? path.join(c.context, source) : inRoot(sourceRoot, source);
    const isDirectory = (await stat(sourcePath)).isDirectory();
    const target = inRoot(c.root, intoDirectory && !isDirectory ? path.posix.join(destPath, path.posix.basename(source)) : destPath);
    await mkdir(isDirectory ? target : path.dirname(target), { recursive: true });
    await cp(sourcePath, target, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
    const chownTo = flags.get('chown');
    if (chownTo !== undefined) await chownTree(target, chownTo, step.line);
  }
}

async function chownTree(target: string, owner: string, line: number): Promise<void> {
  const [uid, gid = uid] = owner.split(':').map(Number);
  if (uid === undefined || gid === undefined || !Number.isInteger(uid) || !Number.isInteger(gid))
    throw new Error(`Dockerfile:${line}: --chown=${owner}: the replay needs numeric ids`);
  if (process.getuid?.() !== 0) return; // only root can give files away; the owner check then happens in the test
  await chown(target, uid, gid);
  if (!(await stat(target)).isDirectory()) return;
  for (const entry of await readdir(target, { recursive: true })) await chown(path.join(target, entry), uid, gid);
}

function run(script: string, cwd: string, env: Readonly<Record<string, string>>, where: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-ec', script], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString()).slice(-8000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${where}: RUN exited with ${code}:\n${output}`))));
  });
}

function execForm(args: string, where: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(args);
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed) || !parsed.every((p) => typeof p === 'string'))
    throw new Error(`${where}: only the exec form (a JSON array) is supported: ${args}`);
  return parsed;
}

/** Plain path patterns of .dockerignore (no wildcards: the replay refuses what it cannot match exactly). */
async function dockerignore(context: string): Promise<string[]> {
  const text = await readFile(path.join(context, '.dockerignore'), 'utf8').catch(() => '');
  const patterns = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  for (const p of patterns) if (/[*?[!]/.test(p)) throw new Error(`.dockerignore: ${p}: wildcards are not supported by the replay`);
  return patterns.map((p) => p.replace(/^\/+|\/+$/g, ''));
}
