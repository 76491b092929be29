import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';
import { scrubLogArguments, scrubValue, type Scrubber } from './log-scrub.ts';

/** The project's logger type (pino). */
export type Logger = PinoLogger;

const secretKeys = ['authorization', 'clientSecret', 'clientAssertion', 'token', 'accessToken', 'refreshToken', 'password', 'privateKey'];

/**
 * Paths pino censors before a line is written: the secret keys at the top level and up to two levels deep,
 * plus `authorization` headers. Wildcards cover one level only, hence the explicit depths.
 */
const redactPaths: readonly string[] = [
  ...secretKeys,
  ...secretKeys.map((k) => `*.${k}`),
  ...secretKeys.map((k) => `*.*.${k}`),
  'headers.authorization',
  'req.headers.authorization',
  'request.headers.authorization',
  'headers["proxy-authorization"]',
];

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** pino level: trace, debug, info, warn, error, fatal, silent. Default info. */
  readonly level?: string;
  /** Bound as `name` on every line (e.g. `teams-sync-controller`). */
  readonly name?: string;
  /** Where lines go; default stdout. Tests pass a stream to capture output. */
  readonly destination?: DestinationStream;
  /** Applied to every string value of every line, nested objects and error causes included (see log-scrub.ts). */
  readonly scrub?: Scrubber;
}

/**
 * The root logger: JSON lines, ISO timestamps, secrets redacted (`[REDACTED]`).
 * When to use: once, in `cmd/*`; everything else receives a child (see {@link childLogger}).
 * Gotcha: redaction matches key paths, not values; never log a secret under an innocent key name, and never
 * interpolate secrets into messages.
 */
export function createLogger(opts: LoggerOptions = {}): Logger {
  const scrub = opts.scrub;
  return pino(
    {
      level: opts.level ?? 'info',
      ...(opts.name ? { name: opts.name } : {}),
      redact: { paths: [...redactPaths], censor: '[REDACTED]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        ...(scrub === undefined ? {} : { log: (object: Record<string, unknown>) => scrubValue(object, scrub) as Record<string, unknown> }),
      },
      ...(scrub === undefined
        ? {}
        : {
            hooks: {
              logMethod(this: Logger, args: Parameters<Logger['info']>, method: (...a: unknown[]) => void) {
                method.apply(this, scrubLogArguments(args, scrub));
              },
            },
          }),
    },
    opts.destination,
  );
}

/** A logger that writes nothing; the default for components constructed without one. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/**
 * A child logger with extra bindings, e.g. `{ controller, kind, namespace, name, reconcileId }`.
 * Gotcha: bindings are not redacted by key path the way fields are; build them from identifiers only,
 * never from untrusted objects.
 */
export function childLogger(parent: Logger, bindings: Record<string, string | number | boolean>): Logger {
  return parent.child(bindings);
}
