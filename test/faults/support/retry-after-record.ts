/**
 * Retry-After judged inside the daemon's process (test/harness/retry-after-witness.ts), for the fault suite.
 *
 * Why: the simulator stamps a request when its event loop gets to it. On a loaded 2-core machine that can be more
 * than its crossing allowance after a 429 it answered, for a request the daemon had sent before it received that
 * 429; the simulator then counts a violation the daemon did not commit, more often the heavier the load. Only the
 * daemon's process sees "429 received" and "request started" in one order, whatever the load.
 *
 * How: `retryAfterRecording` gives the daemon's environment NODE_OPTIONS=--import of this file (Node's type stripping
 * runs it; the daemon's own code is untouched) and a file; this module, loaded so, appends one JSON line per 429
 * received and per early request, synchronously, so a daemon killed -9 loses nothing. `readRetryAfterRecords` sums
 * the files of a scenario's daemons. Loaded anywhere else (the test process) it does nothing.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { witnessRetryAfter, type EarlyRequest } from '../../harness/retry-after-witness.ts';

const FILE_ENV = 'TSC_FAULTS_RETRY_AFTER_FILE';
const GRAPH_ENV = 'TSC_FAULTS_RETRY_AFTER_GRAPH_URL';

/** What the daemons of a scenario saw. */
export interface RetryAfterRecords {
  /** Answers with a Retry-After the daemons received. */
  readonly throttled: number;
  /** Requests a daemon started while a Retry-After it had received was still running (violations). */
  readonly early: readonly EarlyRequest[];
}

/** The environment that makes a daemon record into `file` (requests to `graphUrl`'s host only). */
export function retryAfterRecording(file: string, graphUrl: string): Record<string, string> {
  return { NODE_OPTIONS: `--import=${pathToFileURL(import.meta.filename).href}`, [FILE_ENV]: file, [GRAPH_ENV]: graphUrl };
}

/** Sums the records of `files` (a file a daemon never wrote to counts as nothing seen). */
export function readRetryAfterRecords(files: Iterable<string>): RetryAfterRecords {
  let throttled = 0;
  const early: EarlyRequest[] = [];
  for (const file of files) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n')) {
      if (line === '') continue;
      const record = JSON.parse(line) as { event: 'throttled' } | ({ event: 'early' } & EarlyRequest);
      if (record.event === 'throttled') throttled += 1;
      else early.push({ path: record.path, earlyByMs: record.earlyByMs });
    }
  }
  return { throttled, early };
}

const file = process.env[FILE_ENV];
const graphUrl = process.env[GRAPH_ENV];
if (file !== undefined && graphUrl !== undefined) {
  const append = (record: object): void => appendFileSync(file, `${JSON.stringify(record)}\n`);
  witnessRetryAfter(graphUrl, {
    throttled: () => append({ event: 'throttled' }),
    early: (request) => append({ event: 'early', ...request }),
  });
}
