import { inspect } from 'node:util';
import { registerSecret } from './sanitize.ts';

const PLACEHOLDER = '<redacted>';

/**
 * A secret value (client secret, private key, refresh token, access token) that prints as a placeholder.
 *
 * When to use: wrap every credential the moment it is read from a Kubernetes Secret or a file, and unwrap it with
 * `reveal()` only at the call that needs the raw value (msal-node, the Authorization header).
 * Gotchas: `toString`, `toJSON`, `util.inspect` and template literals all print `<redacted>`; the raw value is also
 * registered with the sanitiser so it is scrubbed from any error message that might still echo it.
 */
export class Redacted<T = string> {
  readonly #value: T;

  private constructor(value: T) {
    this.#value = value;
    if (typeof value === 'string') registerSecret(value, this);
  }

  /** Wraps a secret. */
  static of<T>(value: T): Redacted<T> {
    return new Redacted(value);
  }

  /** Returns the raw secret. Call it as late as possible and never log the result. */
  reveal(): T {
    return this.#value;
  }

  toString(): string {
    return PLACEHOLDER;
  }

  toJSON(): string {
    return PLACEHOLDER;
  }

  [inspect.custom](): string {
    return PLACEHOLDER;
  }

  get [Symbol.toStringTag](): string {
    return 'Redacted';
  }
}

/** Accepts either a raw string or an already wrapped secret (config objects written by hand, tests). */
export function redact(value: string | Redacted): Redacted {
  return value instanceof Redacted ? value : Redacted.of(value);
}
