/**
 * Follows a TeamsSync until it ends, showing its progress: a live bar (cli-progress) when stdout is a terminal,
 * otherwise one plain line each time the progress changes (logs and pipes stay readable). Reads the run every
 * `intervalMs` (the controller writes progress at most every 2 s, so polling costs one GET a second at most).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { SingleBar } from 'cli-progress';
import type { KubeClient } from '../../../pkg/runtime/kube-client.ts';
import { teamsSyncResource } from '../../../controllers/teamssync/resources.ts';
import { CliError, ExitCode } from '../exit-codes.ts';
import type { Printer } from '../output.ts';
import { isFinished, progressLine, progressOf, type Progress, type Run } from './run-view.ts';

/** Shows progress updates; `stop` before printing anything else. */
interface ProgressDisplay {
  update(p: Progress): void;
  stop(): void;
}

/** The live bar, on stdout (a terminal). */
function barDisplay(stream: NodeJS.WritableStream): ProgressDisplay {
  const bar = new SingleBar({
    format: '{phase} |{bar}| {value}/{total} users',
    stream,
    hideCursor: true,
    clearOnComplete: false,
    barsize: 30,
  });
  let started = false;
  return {
    update(p) {
      if (!started) bar.start(p.total, p.done, { phase: p.phase });
      started = true;
      bar.setTotal(p.total);
      bar.update(p.done, { phase: p.phase });
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

/** Plain lines, printed only when they change. */
function lineDisplay(out: Printer): ProgressDisplay {
  let last = '';
  return {
    update(p) {
      const line = progressLine(p);
      if (line !== last) out.line(line);
      last = line;
    },
    stop() {
      // Nothing to clear.
    },
  };
}

/** No display at all. */
const silentDisplay: ProgressDisplay = {
  update() {
    // Quiet.
  },
  stop() {
    // Quiet.
  },
};

/** Options of {@link followRun}. */
export interface FollowOptions {
  /** Users in the run's scope (the bar's total). */
  readonly inScope: number;
  /** Give up waiting (the run goes on) after this long. */
  readonly timeoutMs: number;
  readonly intervalMs?: number;
  readonly signal?: AbortSignal;
  /** Show nothing while waiting (diagnose's dry run). */
  readonly quiet?: boolean;
}

/** Polls the run until it finishes; resolves with its final state. Throws CliError on timeout or interruption. */
export async function followRun(kube: KubeClient, out: Printer, namespace: string, name: string, opts: FollowOptions): Promise<Run> {
  const display = opts.quiet === true ? silentDisplay : out.interactive ? barDisplay(out.streams.stdout as NodeJS.WritableStream) : lineDisplay(out);
  const deadline = Date.now() + opts.timeoutMs;
  try {
    for (;;) {
      const run = await kube.get<Run>(teamsSyncResource, namespace, name);
      display.update(progressOf(run, opts.inScope));
      if (isFinished(run)) return run;
      if (Date.now() > deadline) {
        throw new CliError(`timed out waiting for TeamsSync ${namespace}/${name}; it goes on: kubectl teamssync show ${name} -n ${namespace}`, ExitCode.Error);
      }
      await sleep(opts.intervalMs ?? 1000, undefined, opts.signal === undefined ? {} : { signal: opts.signal });
    }
  } catch (err) {
    if (opts.signal?.aborted === true) {
      throw new CliError(`stopped following TeamsSync ${namespace}/${name}; it goes on: kubectl teamssync show ${name} -n ${namespace}`, ExitCode.Error);
    }
    throw err;
  } finally {
    display.stop();
  }
}
