/**
 * The daemon's command line and environment as the container runtime would build them: the image's
 * ENTRYPOINT/CMD/ENV/WORKDIR from the Dockerfile, overridden by the Deployment's command/args/env with
 * Kubernetes' rules (a `command` replaces ENTRYPOINT and drops CMD; `args` replaces CMD).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ManifestObject } from './install-manifests.ts';

/** What a container runs. */
export interface ContainerCommand {
  /** argv[0] and its arguments, as written in the image / Deployment. */
  readonly argv: readonly string[];
  /** Environment from the image and the Deployment (fieldRefs resolved). */
  readonly env: Readonly<Record<string, string>>;
  /** The image's WORKDIR. */
  readonly workdir: string;
  /** The pod's terminationGracePeriodSeconds (Kubernetes' default 30 s when unset). */
  readonly terminationGraceSeconds: number;
  /** The container's `resources.limits.memory` (a quantity such as `768Mi`), when it sets one. */
  readonly memoryLimit: string | undefined;
}

interface ImageConfig {
  entrypoint: string[];
  cmd: string[];
  env: Record<string, string>;
  workdir: string;
}

interface ContainerSpec {
  command?: string[];
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
  resources?: { limits?: { memory?: string } };
}

/** Reads the final stage of a Dockerfile: ENTRYPOINT, CMD (exec form), ENV and WORKDIR. */
export function readImageConfig(dockerfile: string): ImageConfig {
  const text = readFileSync(dockerfile, 'utf8').replace(/\\\n/g, ' ');
  const config: ImageConfig = { entrypoint: [], cmd: [], env: {}, workdir: '/' };
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const [instruction = '', ...rest] = line.split(/\s+/);
    const value = rest.join(' ');
    switch (instruction.toUpperCase()) {
      case 'FROM':
        Object.assign(config, { entrypoint: [], cmd: [], env: {}, workdir: '/' });
        break;
      case 'ENTRYPOINT':
        config.entrypoint = execForm(value, line);
        config.cmd = [];
        break;
      case 'CMD':
        config.cmd = execForm(value, line);
        break;
      case 'WORKDIR':
        config.workdir = value;
        break;
      case 'ENV':
        for (const [, k, v] of value.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|\S+)/g))
          if (k !== undefined && v !== undefined) config.env[k] = v.replace(/^"|"$/g, '');
        break;
    }
  }
  return config;
}

function execForm(value: string, line: string): string[] {
  try {
    const parsed: unknown = JSON.parse(value);
    if (Array.isArray(parsed) && parsed.every((p) => typeof p === 'string')) return parsed;
  } catch {
    // fall through
  }
  throw new Error(`Dockerfile: only the exec form is supported here: ${line}`);
}

/** Combines the image and the Deployment's first container; `fields` resolves fieldRef paths (e.g. metadata.namespace). */
export function containerCommand(dockerfile: string, deployment: ManifestObject, fields: Readonly<Record<string, string>>): ContainerCommand {
  const image = readImageConfig(dockerfile);
  const pod = (deployment['spec'] as { template: { spec: { containers: ContainerSpec[]; terminationGracePeriodSeconds?: number } } }).template.spec;
  const container = pod.containers[0];
  if (container === undefined) throw new Error(`Deployment ${deployment.metadata.name} has no container`);
  const entrypoint = container.command ?? image.entrypoint;
  const args = container.args ?? (container.command === undefined ? image.cmd : []);
  const env: Record<string, string> = { ...image.env };
  for (const e of container.env ?? []) {
    if (e.value !== undefined) env[e.name] = e.value;
    else if (e.valueFrom?.fieldRef !== undefined) {
      const v = fields[e.valueFrom.fieldRef.fieldPath];
      if (v === undefined) throw new Error(`env ${e.name}: fieldRef ${e.valueFrom.fieldRef.fieldPath} is not known to the harness`);
      env[e.name] = v;
    } else throw new Error(`env ${e.name}: only value and fieldRef are supported by the harness`);
  }
  return {
    argv: [...entrypoint, ...args],
    env,
    workdir: image.workdir,
    terminationGraceSeconds: pod.terminationGracePeriodSeconds ?? 30,
    memoryLimit: container.resources?.limits?.memory,
  };
}

/** Sets `--name=value` in argv: replaces every existing `--name=…` / `--name …`, in place of the first. */
export function withFlag(argv: readonly string[], name: string, value: string): string[] {
  const out: string[] = [];
  let placed = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const isFlag = arg === `--${name}` || arg.startsWith(`--${name}=`);
    if (!isFlag) {
      out.push(arg);
      continue;
    }
    if (arg === `--${name}`) i++;
    if (!placed) out.push(`--${name}=${value}`);
    placed = true;
  }
  if (!placed) out.push(`--${name}=${value}`);
  return out;
}

/**
 * Node's own options in a `node …` command line: the flags between `node` and the script (V8 heap settings,
 * warnings), so a bench can start its process as the image starts the daemon. Empty unless argv[0] is node.
 */
export function nodeFlags(argv: readonly string[]): string[] {
  const [command = '', ...rest] = argv;
  if (path.basename(command) !== 'node') return [];
  const script = rest.findIndex((arg) => !arg.startsWith('-'));
  return rest.slice(0, script < 0 ? rest.length : script);
}
