/**
 * The job output of a sync run (the seeds' "Copy Job Output"): timestamped lines, bounded in count
 * and bytes so a TeamsSync object stays small in etcd; the oldest lines go first and a marker says
 * how many. Debug lines are kept only for diagnostic runs. Lines are scrubbed of anything that
 * looks like a bearer token, as a last guard (tokens must never reach status).
 */
import { MaxSyncOutputLines } from '../../pkg/apis/teamssync/v1alpha1/teams-sync-status.ts';

/** Bounded output. */
export interface RunOutput {
  readonly lines: readonly string[];
  /** Lines dropped from the front. */
  readonly omitted: number;
  readonly diagnostic: boolean;
}

/** Output limits; defaults keep the object far below etcd's 1.5 MiB. */
export interface OutputLimits {
  readonly maxLines: number;
  readonly maxBytes: number;
  readonly maxLineLength: number;
}

/** The API's line cap, 32 KiB in all, 512 characters a line (the API's maxLength). */
export const defaultOutputLimits: OutputLimits = { maxLines: MaxSyncOutputLines, maxBytes: 32 * 1024, maxLineLength: 512 };

/** Severity of a line. */
export type OutputLevel = 'INFO' | 'WARN' | 'ERROR' | 'DEBUG';

/** An empty output. */
export function emptyOutput(diagnostic: boolean): RunOutput {
  return { lines: [], omitted: 0, diagnostic };
}

const JWT = /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g;
const BEARER = /\b(bearer)\s+[A-Za-z0-9._~+/=-]{8,}/gi;
const SECRET_PARAM = /\b(access_token|refresh_token|client_secret|client_assertion)=[^&\s]+/gi;

/** Replaces token-like text with a placeholder. */
export function scrubSecrets(text: string): string {
  return text.replace(JWT, '[REDACTED]').replace(BEARER, '$1 [REDACTED]').replace(SECRET_PARAM, '$1=[REDACTED]');
}

/** Appends one line (`<time> <LEVEL> <text>`); DEBUG lines are dropped unless the run is diagnostic. */
export function appendLine(out: RunOutput, level: OutputLevel, text: string, now: Date, limits: OutputLimits = defaultOutputLimits): RunOutput {
  if (level === 'DEBUG' && !out.diagnostic) return out;
  const oneLine = scrubSecrets(text).replace(/[\r\n]+/g, ' ').trim();
  const full = `${now.toISOString()} ${level} ${oneLine}`;
  const line = full.length > limits.maxLineLength ? `${full.slice(0, limits.maxLineLength - 1)}…` : full;
  return trim({ ...out, lines: [...out.lines, line] }, limits);
}

function trim(out: RunOutput, limits: OutputLimits): RunOutput {
  // One slot is kept for the "omitted" marker that statusOutput() puts in front.
  const lines = [...out.lines];
  let omitted = out.omitted;
  let bytes = lines.reduce((n, l) => n + Buffer.byteLength(l) + 1, 0);
  const markerBytes = 64;
  while (lines.length > 0 && (lines.length > limits.maxLines - 1 || bytes + markerBytes > limits.maxBytes)) {
    bytes -= Buffer.byteLength(lines.shift() ?? '') + 1;
    omitted += 1;
  }
  return { ...out, lines, omitted };
}

const MARKER = /^\[(\d+) earlier lines omitted\]$/;

/** The lines for status.output, with the marker first when lines were dropped. */
export function statusOutput(out: RunOutput): string[] {
  return out.omitted > 0 ? [`[${out.omitted} earlier lines omitted]`, ...out.lines] : [...out.lines];
}

/** Rebuilds output from status.output (after a restart), reading the marker back. */
export function outputFromStatus(lines: readonly string[] | undefined, diagnostic: boolean): RunOutput {
  const all = lines ?? [];
  const marker = MARKER.exec(all[0] ?? '');
  return marker === null ? { lines: all, omitted: 0, diagnostic } : { lines: all.slice(1), omitted: Number(marker[1]), diagnostic };
}
