/**
 * The subset of a pino logger the Graph layer uses; pino's `Logger` satisfies it. Every object logged through it is
 * built from sanitised, bounded fields (no URLs with queries, no tokens).
 */
export interface GraphLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** A logger that drops everything (the default when none is given). */
export const silentLogger: GraphLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
